import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// `npm run bench` (issue #15): every benchmark, one after another (they would share the 2
// cores otherwise), each in its own process as `npm run bench:<name>` runs it; their figures —
// each next to the baseline it measured in the same run — go to BENCHMARKS.md with the machine
// they ran on. `npm run bench -- writes import` runs a subset; BENCH_OUT names another file.
const BENCHES: Record<string, { file: string; what: string }> = {
  store: { file: 'store.ts', what: 'embedded store over its socket: writes and scans by pool size' },
  postgres: {
    file: 'postgres.ts',
    what: 'the Postgres adapter on a real PostgreSQL: COPY and statement paths vs a bare COPY',
  },
  writes: { file: 'writes.ts', what: 'caller-vector write paths (task, Vald Multi/Stream) vs the bulk insert' },
  vald: {
    file: 'vald.ts',
    what: 'Vald writes on the `npm start` stack (gRPC and REST) vs the store and grpc-js alone',
  },
  import: { file: 'import-export.ts', what: 'import and export in every format vs DuckDB alone' },
  backup: { file: 'backup.ts', what: 'backup and restore vs the raw scan and raw bulk insert' },
  reindex: { file: 'reindex.ts', what: 'reindex workflow vs a direct script' },
  langchain: { file: 'langchain.ts', what: 'LangChain PGVector backup and restore vs the seed-style script' },
  workers: {
    file: 'workers.ts',
    what: 'one worker vs three sharing the embedded store: which worker ran what, from the histories',
  },
  history: {
    file: 'history.ts',
    what: 'history events and largest payload of 1,000,000-item jobs vs the Temporal goals',
  },
};
const root = path.resolve(import.meta.dirname, '..');
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(BENCHES);
for (const name of chosen) if (!BENCHES[name]) throw new Error(`no benchmark ${name}; known: ${Object.keys(BENCHES)}`);

/** Runs one benchmark, echoing its output; its stdout, exit code and seconds. */
function run(file: string): Promise<{ out: string; code: number | null; secs: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench', file)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      process.stdout.write(d);
    });
    child.on('close', (code) => resolve({ out, code, secs: (performance.now() - started) / 1000 }));
  });
}

const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
const lines = [
  '# Benchmarks',
  '',
  `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${commit}.`,
  `Machine: ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}.`,
  `Sizes: ${
    Object.entries(process.env)
      .filter(([k]) => k.startsWith('BENCH_') && k !== 'BENCH_OUT')
      .map(([k, v]) => `${k}=${v}`)
      .join(', ') || "each benchmark's defaults"
  }.`,
  'Each figure stands next to the baseline its benchmark measured in the same run; goals and',
  'what misses them are in the README (Benchmarks) and the issues.',
  '',
];
let failed = 0;
for (const name of chosen) {
  const { file, what } = BENCHES[name];
  console.log(`\n== bench:${name} — ${what}`);
  const result = await run(file);
  if (result.code !== 0) failed++;
  lines.push(
    `## bench:${name}`,
    '',
    `${what}. ${result.code === 0 ? `Ran ${Math.round(result.secs)} s.` : `**Failed** (exit ${result.code}) after ${Math.round(result.secs)} s.`}`,
    '',
    '```',
    result.out.trimEnd(),
    '```',
    '',
  );
}
// The goals each figure is held to, what misses them, why (profiles) and what would close it:
// written by hand in bench/analysis.md, dated, and kept after the figures it reads.
const analysis = path.join(root, 'bench', 'analysis.md');
if (existsSync(analysis)) lines.push(readFileSync(analysis, 'utf8').trimEnd(), '');
const target = path.resolve(root, process.env.BENCH_OUT ?? 'BENCHMARKS.md');
writeFileSync(target, lines.join('\n'));
console.log(`\nwrote ${target}${failed ? ` (${failed} benchmark(s) failed)` : ''}`);
process.exitCode = failed ? 1 : 0;
