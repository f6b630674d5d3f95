import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CliError, EXIT, apiTarget, callApi, printJson, readUserFile } from '../api-client.js';

// Vald's write and read calls from a shell, over the API's Vald mirror (the same semantics as
// its gRPC service): insert / upsert / update / remove / get by id.
async function vectorFrom(file: string | undefined): Promise<number[]> {
  if (!file) throw new CliError('give --vector-file (a JSON array of numbers)', EXIT.usage);
  const v: unknown = await readUserFile(file, async (f) => JSON.parse(await readFile(f, 'utf8')), '--vector-file');
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number'))
    throw new CliError(`--vector-file ${file}: not a JSON array of numbers`, EXIT.usage);
  return v as number[];
}

interface ValdOpts {
  id: string;
  vectorFile?: string;
  collection: string;
  timestamp?: string;
  json?: boolean;
}

export function registerValdCommands(program: Command): void {
  const vald = program.command('vald').description("Vald's calls by id (insert, upsert, update, remove, get)");
  for (const op of ['insert', 'upsert', 'update', 'remove', 'get'] as const) {
    const c = vald
      .command(op)
      .requiredOption('--id <id>', 'the vector id')
      .option('--collection <name>', 'collection', 'items')
      .option('--json', "print only the API's JSON", false);
    if (op !== 'remove' && op !== 'get')
      c.option('--vector-file <file>', 'a JSON array of numbers').option('--timestamp <ns>', 'int64 nanoseconds');
    c.action(async (o: ValdOpts) => {
      const target = apiTarget();
      const q = `?collection=${encodeURIComponent(o.collection)}`;
      const res =
        op === 'get'
          ? await callApi(target, `/api/v1/vald/object/${encodeURIComponent(o.id)}${q}`)
          : await callApi(target, `/api/v1/vald/${op}${q}`, {
              body:
                op === 'remove'
                  ? { id: { id: o.id } }
                  : { vector: { id: o.id, vector: await vectorFrom(o.vectorFile), timestamp: o.timestamp } },
            });
      if (o.json) return printJson(res);
      if (op === 'get') {
        const v = res.vector as number[];
        console.log(`${o.id}: ${v.length}-d vector, timestamp ${String(res.timestamp)}`);
      } else console.log(`${op} ${o.id}: ok (${JSON.stringify(res)})`);
    });
  }
}
