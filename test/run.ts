import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { startSeaweed } from '../devstack/seaweed.js';
import { startTemporalDev } from '../devstack/temporal-dev.js';
import { ROOT, TEMPORAL, WEED, resolveTool } from '../devstack/tools.js';

// `npm test`: type-check, make sure the external tools are here (installing them if needed), start
// one Temporal dev server on free ports for the whole run, then run every test file with node's
// test runner. Test files reuse that server through TEMPORAL_ADDRESS; run alone, each starts
// its own. The same for a SeaweedFS S3 gateway (VECFLOW_TEST_S3_ENDPOINT). Arguments narrow the
// run to files whose path contains one of them.
const log = (msg: string) => console.log(`[test] ${msg}`);

function testFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? testFiles(full) : name.endsWith('.test.ts') ? [full] : [];
    })
    .sort();
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env, cwd: ROOT });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const files = testFiles(path.join(ROOT, 'test')).filter(
    (f) => filters.length === 0 || filters.some((x) => f.includes(x)),
  );
  if (files.length === 0) throw new Error(`no test file matches ${filters.join(' ')}`);

  log('type-checking');
  if (
    (await run(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', ROOT],
      process.env,
    )) !== 0
  )
    return 1;

  for (const tool of [TEMPORAL, WEED]) log(`${tool.bin}: ${await resolveTool(tool, log)}`);
  const temporal = await startTemporalDev({ log });
  log(`Temporal dev server on ${temporal.address}`);
  const seaweed = await startSeaweed({ log }).catch(async (err) => {
    await temporal.stop();
    throw err;
  });
  log(`SeaweedFS S3 gateway on ${seaweed.endpoint}`);
  try {
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: temporal.address,
      VECFLOW_TEST_S3_ENDPOINT: seaweed.endpoint,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    };
    const args = [
      '--import',
      'tsx',
      '--test',
      '--test-reporter=spec',
      '--test-concurrency=1',
      '--test-timeout=600000',
      ...files,
    ];
    return await run(process.execPath, args, env);
  } finally {
    await seaweed.stop();
    await temporal.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`[test] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
