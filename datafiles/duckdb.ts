import os from 'node:os';
import path from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

// DuckDB in-process, for Parquet, CSV and JSON I/O. One instance per process, a fresh
// connection per job; memory is capped so what spills can spill to disk instead of growing the
// worker. 512 MB: at 256 MB a 10⁶ × 768-d backup grew the worker less (+486 MB instead of
// +563 MB), but reading a 216 MB JSON array (an import) ran out of it — not everything spills.
let instance: Promise<DuckDBInstance> | null = null;

export async function duckdb(): Promise<DuckDBConnection> {
  instance ??= DuckDBInstance.create(':memory:', {
    memory_limit: process.env.VECFLOW_DUCKDB_MEMORY ?? '512MB',
    threads: '2',
    // Where what does not fit the memory limit spills (an in-memory database has none by default).
    temp_directory: process.env.VECFLOW_DUCKDB_TEMP ?? path.join(os.tmpdir(), `vecflow-duckdb-${process.pid}`),
  });
  return (await instance).connect();
}

/** A SQL string literal (DuckDB has no parameters in COPY targets or table-function paths). */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
