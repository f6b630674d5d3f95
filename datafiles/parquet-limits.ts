import type { DuckDBConnection } from '@duckdb/node-api';
import { ValidationError } from '../core/errors.js';
import { sqlString } from './duckdb.js';

// A Parquet file is small on disk and may be huge once decoded: 45 KB of run-length-encoded
// constants can hold 10⁹ rows (test/fixtures/billion-rows.parquet). Imports read its footer
// first and refuse a file whose row count or decoded size is over the limits, before DuckDB
// decodes a single page (numbering the rows would otherwise hold them all).
export interface ImportLimits {
  /** Most rows one import may hold (VECFLOW_IMPORT_MAX_ROWS). */
  maxRows: number;
  /** Most bytes a Parquet upload may decode to (twice VECFLOW_UPLOAD_LIMIT). */
  maxDecodedBytes: number;
}

/** Bytes one value of a Parquet physical type takes decoded, at least. */
const WIDTH: Record<string, number> = {
  BOOLEAN: 1,
  INT32: 4,
  FLOAT: 4,
  INT64: 8,
  DOUBLE: 8,
  INT96: 12,
  // Variable length: a 4-byte length at least, plus the shortest value the statistics know of.
  BYTE_ARRAY: 4,
  FIXED_LEN_BYTE_ARRAY: 1,
};

/** The decoded size of a Parquet file, estimated from its footer alone (no page is read). */
export async function parquetFootprint(
  con: DuckDBConnection,
  file: string,
): Promise<{ rows: number; decodedBytes: number }> {
  const f = sqlString(file);
  const rows = Number(
    (await con.runAndReadAll(`SELECT sum(num_rows) FROM parquet_file_metadata(${f})`)).getRows()[0][0],
  );
  const [[decoded]] = (
    await con.runAndReadAll(
      `SELECT sum(greatest(total_uncompressed_size,
          num_values * (CASE type ${Object.entries(WIDTH)
            .map(([t, w]) => `WHEN '${t}' THEN ${w}`)
            .join(' ')} ELSE 1 END
          + CASE WHEN type LIKE '%BYTE_ARRAY' THEN least(coalesce(strlen(stats_min), 0), coalesce(strlen(stats_max), 0)) ELSE 0 END)))
       FROM parquet_metadata(${f})`,
    )
  ).getRows();
  return { rows, decodedBytes: Number(decoded ?? 0) };
}

export async function assertParquetWithin(con: DuckDBConnection, file: string, limits: ImportLimits): Promise<void> {
  const { rows, decodedBytes } = await parquetFootprint(con, file);
  if (rows > limits.maxRows)
    throw new ValidationError(
      `the Parquet file holds ${rows} rows; an import takes at most ${limits.maxRows} (VECFLOW_IMPORT_MAX_ROWS) — split it`,
      { field: 'file' },
    );
  if (decodedBytes > limits.maxDecodedBytes)
    throw new ValidationError(
      `the Parquet file decodes to about ${decodedBytes} bytes, over the ${limits.maxDecodedBytes}-byte limit (twice VECFLOW_UPLOAD_LIMIT) — split it`,
      { field: 'file' },
    );
}
