import type { FilterNode, Scalar } from '../../core/filter.js';

// Translates the shared filter language to a parameterised SQL predicate over `payload jsonb`.
// Values and field paths are always bound parameters; only operators come from this file.
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

const CMP = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

export function filterToSql(node: FilterNode, params: SqlParams, column = 'payload'): string {
  switch (node.op) {
    case 'and':
    case 'or':
      // An empty AND holds for every point (an empty OR for none), as in the reference evaluator.
      if (node.items.length === 0) return node.op === 'and' ? 'TRUE' : 'FALSE';
      return `(${node.items.map((n) => filterToSql(n, params, column)).join(node.op === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `(NOT ${filterToSql(node.item, params, column)})`;
    case 'exists': {
      const v = `(${column} #> ${params.add(node.path, 'text[]')})`;
      const present = `COALESCE(jsonb_typeof(${v}) <> 'null' AND ${v} <> '[]'::jsonb, false)`;
      return node.value ? present : `(NOT ${present})`;
    }
    case 'eq':
      return anyElement(column, node.path, params, scalarsPredicate([node.value], params));
    case 'in':
      return anyElement(column, node.path, params, scalarsPredicate(node.values, params));
    case 'range':
      return anyElement(
        column,
        node.path,
        params,
        typed('number', `(e.v)::numeric ${CMP[node.cmp]} ${params.add(node.value, 'numeric')}`),
      );
  }
}

// A value matches when it, or any element of it when it is an array, satisfies the predicate.
function anyElement(column: string, path: string[], params: SqlParams, predicate: string): string {
  const v = `(${column} #> ${params.add(path, 'text[]')})`;
  return `EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(${v}) = 'array' THEN ${v} ELSE jsonb_build_array(${v}) END) AS e(v) WHERE ${predicate})`;
}

// CASE, not AND: Postgres does not promise to evaluate an AND's left side first, so a cast
// guarded only by AND can run on a value of another type (seen on a real server: "cannot cast
// jsonb null to type numeric").
function typed(type: 'string' | 'number' | 'boolean', predicate: string): string {
  return `(CASE WHEN jsonb_typeof(e.v) = '${type}' THEN ${predicate} ELSE false END)`;
}

function scalarsPredicate(values: Scalar[], params: SqlParams): string {
  const strings = values.filter((v): v is string => typeof v === 'string');
  const numbers = values.filter((v): v is number => typeof v === 'number');
  const bools = values.filter((v): v is boolean => typeof v === 'boolean');
  const parts: string[] = [];
  if (strings.length) parts.push(typed('string', `(e.v #>> '{}') = ANY(${params.add(strings, 'text[]')})`));
  if (numbers.length) parts.push(typed('number', `(e.v)::numeric = ANY(${params.add(numbers, 'numeric[]')})`));
  if (bools.length) parts.push(typed('boolean', `(e.v)::boolean = ANY(${params.add(bools, 'boolean[]')})`));
  return parts.join(' OR ');
}
