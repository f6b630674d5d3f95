import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

// DuckDB in-process, for Parquet (and later CSV/JSON) I/O. One instance per process, a fresh
// connection per job; memory is capped so parts larger than it spill to disk instead of
// growing the worker.
let instance: Promise<DuckDBInstance> | null = null;

export async function duckdb(): Promise<DuckDBConnection> {
  instance ??= DuckDBInstance.create(':memory:', {
    memory_limit: process.env.VECFLOW_DUCKDB_MEMORY ?? '512MB',
    threads: '2',
  });
  return (await instance).connect();
}

/** A SQL string literal (DuckDB has no parameters in COPY targets or table-function paths). */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
