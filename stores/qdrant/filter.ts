import type { FilterNode, Scalar } from '../../core/filter.js';

// Translates the shared filter language to a Qdrant filter. User payloads live under the `p`
// key, so every path is prefixed. Qdrant already matches arrays element-wise; `match` takes
// strings, integers and booleans, so other numbers use a closed range.
export type QdrantFilter = Record<string, unknown>;
export const PAYLOAD_KEY = 'p';

export function toQdrantFilter(node: FilterNode): QdrantFilter {
  switch (node.op) {
    case 'and':
      return { must: node.items.map(toQdrantFilter) };
    case 'or':
      return { should: node.items.map(toQdrantFilter) };
    case 'not':
      return { must_not: [toQdrantFilter(node.item)] };
    case 'exists': {
      const isEmpty = { is_empty: { key: key(node.path) } };
      return node.value ? { must_not: [isEmpty] } : { must: [isEmpty] };
    }
    case 'eq':
      return { must: [scalarCondition(node.path, node.value)] };
    case 'in':
      return { should: node.values.map((v) => scalarCondition(node.path, v)) };
    case 'range':
      return { must: [{ key: key(node.path), range: { [node.cmp]: node.value } }] };
  }
}

function scalarCondition(path: string[], value: Scalar): QdrantFilter {
  if (typeof value === 'number' && !Number.isInteger(value))
    return { key: key(path), range: { gte: value, lte: value } };
  return { key: key(path), match: { value } };
}

function key(path: string[]): string {
  return [PAYLOAD_KEY, ...path].join('.');
}
