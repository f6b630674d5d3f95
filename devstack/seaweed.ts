import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './ports.js';
import { stopProcess } from './process.js';
import { WEED, resolveTool } from './tools.js';

// A SeaweedFS server with its S3 gateway on free loopback ports: the S3 the test suite (and
// anyone without AWS or MinIO at hand) talks to through the ordinary AWS SDK.
export interface Seaweed {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startSeaweed(options: { dir?: string; log?: (msg: string) => void } = {}): Promise<Seaweed> {
  const bin = await resolveTool(WEED, options.log);
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'vf-weed-')));
  const p = { master: await freePort(), volume: await freePort(), filer: await freePort(), s3: await freePort() };
  const grpc = { master: await freePort(), volume: await freePort(), filer: await freePort(), s3: await freePort() };
  const args = [
    'server',
    `-dir=${dir}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    `-master.port=${p.master}`,
    `-master.port.grpc=${grpc.master}`,
    '-master.volumeSizeLimitMB=256',
    // Off: nothing may leave the machine (SeaweedFS reports usage statistics by default).
    '-master.telemetry=false',
    `-volume.port=${p.volume}`,
    `-volume.port.grpc=${grpc.volume}`,
    '-volume.max=50',
    '-filer',
    `-filer.port=${p.filer}`,
    `-filer.port.grpc=${grpc.filer}`,
    '-s3',
    `-s3.port=${p.s3}`,
    `-s3.port.grpc=${grpc.s3}`,
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
  ];
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr!.on('data', (c) => (tail = (tail + c).slice(-4000)));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`weed exited early (${code}): ${tail}`))),
  );
  exited.catch(() => undefined);
  const endpoint = `http://127.0.0.1:${p.s3}`;
  try {
    await Promise.race([waitForPort(p.s3, '127.0.0.1', 60_000), exited]);
    // The gateway answers before the filer behind it is ready: wait for a real S3 answer.
    const deadline = Date.now() + 60_000;
    while (
      (await fetch(endpoint + '/').then(
        (r) => r.status,
        () => 0,
      )) !== 200
    ) {
      if (Date.now() > deadline) throw new Error(`SeaweedFS S3 at ${endpoint} did not become ready: ${tail}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    endpoint,
    async stop() {
      await stopProcess(child, 10_000);
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a bucket if it is not there (SeaweedFS answers 200 either way). */
export async function ensureBucket(endpoint: string, bucket: string): Promise<void> {
  const res = await fetch(`${endpoint}/${bucket}`, { method: 'PUT' });
  if (!res.ok && res.status !== 409) throw new Error(`creating bucket ${bucket}: ${res.status} ${await res.text()}`);
}
