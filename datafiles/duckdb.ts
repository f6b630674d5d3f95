import os from 'node:os';
import path from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

// DuckDB in-process, for Parquet (and later CSV/JSON) I/O. One instance per process, a fresh
// connection per job; memory is capped so parts larger than it spill to disk instead of
// growing the worker. 256 MB: with 512 MB a 1,000,000 × 768-d backup grew the worker by
// +563 MB (issue #15's limit: 512); with 256 MB, +469 MB at 50,000 and +227 MB at 200,000.
let instance: Promise<DuckDBInstance> | null = null;

export async function duckdb(): Promise<DuckDBConnection> {
  instance ??= DuckDBInstance.create(':memory:', {
    memory_limit: process.env.VECFLOW_DUCKDB_MEMORY ?? '256MB',
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
