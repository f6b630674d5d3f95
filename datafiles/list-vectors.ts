import { type DuckDBListType, type DuckDBListVector, type DuckDBType, DuckDBTypeId } from '@duckdb/node-api';

// Vectors read out of DuckDB as typed arrays, copied straight from its flat child vector:
// materialising a 384-d list as JS numbers (getItem/toArray) and parsing vector text in JS cost
// most of an import's or a restore's reading time.

/** A LIST of FLOAT or DOUBLE: the column types read with `listReader`. */
export function isFloatList(type: DuckDBType): boolean {
  if (type.typeId !== DuckDBTypeId.LIST) return false;
  const item = (type as DuckDBListType).valueType.typeId;
  return item === DuckDBTypeId.FLOAT || item === DuckDBTypeId.DOUBLE;
}

type Mask = { data: unknown; itemValid(i: number): boolean };

/**
 * The rows of one chunk's FLOAT[] or DOUBLE[] column. `read(i)` gives row `i` as a copy
 * (Float32Array or Float64Array); null for a NULL list; undefined when an element is NULL (the
 * caller reads that row the slow way, so its error names the element).
 */
export function listReader(list: DuckDBListVector): (i: number) => Float32Array | Float64Array | null | undefined {
  // DuckDB's float and double vectors keep their values in a typed array over DuckDB's memory,
  // and vectors their NULLs in a bit mask that is absent when nothing is NULL (neither is
  // public API: checked, with the public per-row path as the fallback).
  const child = list.childVector as unknown as { items?: unknown; validity?: Mask };
  const rows = (list as unknown as { validity?: Mask }).validity;
  const items = child.items;
  if (!(items instanceof Float32Array || items instanceof Float64Array) || !child.validity || !rows)
    return (i) => slowRow(list, i);
  const elements = child.validity;
  return (i) => {
    if (!rows.itemValid(i)) return null;
    const start = list.getEntryOffset(i);
    const end = start + list.getEntryLength(i);
    if (elements.data !== null) for (let j = start; j < end; j++) if (!elements.itemValid(j)) return undefined;
    return items.slice(start, end);
  };
}

function slowRow(list: DuckDBListVector, i: number): Float32Array | Float64Array | null | undefined {
  const row = list.getItem(i);
  if (row === null) return null;
  if (row.items.some((x) => x === null)) return undefined;
  return list.type.valueType.typeId === DuckDBTypeId.FLOAT
    ? Float32Array.from(row.items as number[])
    : Float64Array.from(row.items as number[]);
}

/** The rows of a FLOAT[] or DOUBLE[] column as float32s, NULL elements as NaN, NULL lists as null. */
export function listFloat32(list: DuckDBListVector): (i: number) => Float32Array | null {
  const read = listReader(list);
  return (i) => {
    const numbers = read(i);
    if (numbers === undefined) return Float32Array.from(list.getItem(i)!.items, (x) => (x === null ? NaN : Number(x)));
    return numbers === null || numbers instanceof Float32Array ? numbers : Float32Array.from(numbers);
  };
}
