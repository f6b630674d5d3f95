import { type DuckDBListType, type DuckDBListVector, type DuckDBType, DuckDBTypeId } from '@duckdb/node-api';

// Vectors read out of DuckDB as typed arrays, copied straight from its flat child vector:
// materialising a 384-d list as JS numbers (getItem/toArray) and parsing vector text in JS cost
// most of an import's or a restore's reading time.

/** A LIST of FLOAT or DOUBLE: the column types read with `listNumbers`. */
export function isFloatList(type: DuckDBType): boolean {
  if (type.typeId !== DuckDBTypeId.LIST) return false;
  const item = (type as DuckDBListType).valueType.typeId;
  return item === DuckDBTypeId.FLOAT || item === DuckDBTypeId.DOUBLE;
}

/**
 * Row `i` of a FLOAT[] or DOUBLE[] column as a copy (Float32Array or Float64Array); null for a
 * NULL list; undefined when an element is NULL (the caller reads that row the slow way, so the
 * error names the element).
 */
export function listNumbers(list: DuckDBListVector, i: number): Float32Array | Float64Array | null | undefined {
  const row = list.getItemVector(i);
  if (row === null) return null;
  // DuckDB's float and double vectors keep their values in a typed array over DuckDB's memory
  // and their NULLs in a bit mask that exists only when some element is NULL (neither is public
  // API: checked, with the public per-item path as the fallback).
  const { items, validity } = row as unknown as { items?: unknown; validity?: { data?: unknown } };
  if ((items instanceof Float32Array || items instanceof Float64Array) && validity?.data === null) return items.slice();
  const values = row.toArray();
  if (values.some((x) => x === null)) return undefined;
  return list.type.valueType.typeId === DuckDBTypeId.FLOAT
    ? Float32Array.from(values as number[])
    : Float64Array.from(values as number[]);
}

/** Row `i` of a FLOAT[] or DOUBLE[] column as float32s, NULL elements as NaN; null for a NULL list. */
export function listFloat32(list: DuckDBListVector, i: number): Float32Array | null {
  const numbers = listNumbers(list, i);
  if (numbers === undefined) return Float32Array.from(list.getItem(i)!.items, (x) => (x === null ? NaN : Number(x)));
  return numbers === null || numbers instanceof Float32Array ? numbers : Float32Array.from(numbers);
}
