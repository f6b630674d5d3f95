import { ValidationError } from './errors.js';

// One filter language for every store: a Mongo-style subset over the payload.
// Semantics (shared by every adapter and by `matchesFilter`, the reference evaluator):
// - a path names a payload field by dotted segments ("meta.lang");
// - $eq/$in/$gt… match when the value, or any element of an array value, satisfies them;
// - range operators compare numbers only;
// - $ne / $nin are the negations of $eq / $in, so they also match a missing field;
// - $exists: true means present, not null and not an empty array.
export type Scalar = string | number | boolean;
export type FilterNode =
  | { op: 'and' | 'or'; items: FilterNode[] }
  | { op: 'not'; item: FilterNode }
  | { op: 'eq'; path: string[]; value: Scalar }
  | { op: 'range'; path: string[]; cmp: 'gt' | 'gte' | 'lt' | 'lte'; value: number }
  | { op: 'in'; path: string[]; values: Scalar[] }
  | { op: 'exists'; path: string[]; value: boolean };

export const FILTER_OPERATORS = [
  '$and',
  '$or',
  '$not',
  '$eq',
  '$ne',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$nin',
  '$exists',
];
const MAX_NODES = 1000;
/** Nesting of $and/$or/$not: checked on the way down, before a deep filter can exhaust the stack. */
const MAX_DEPTH = 32;
const SEGMENT = /^[^.[\]$][^.[\]]*$/;

type Raw = unknown;
const isObject = (v: Raw): v is Record<string, Raw> => typeof v === 'object' && v !== null && !Array.isArray(v);

class Parser {
  nodes = 0;
  depth = 0;

  filter(raw: Raw, where: string): FilterNode {
    if (this.depth >= MAX_DEPTH) throw invalid(where, `filters nest at most ${MAX_DEPTH} levels deep`);
    this.depth++;
    try {
      return this.conditions(raw, where);
    } finally {
      this.depth--;
    }
  }

  conditions(raw: Raw, where: string): FilterNode {
    if (!isObject(raw)) throw invalid(where, 'a filter must be a JSON object');
    const parts: FilterNode[] = [];
    for (const [key, value] of Object.entries(raw)) {
      const at = `${where}.${key}`;
      if (key === '$and' || key === '$or') {
        if (!Array.isArray(value) || value.length === 0) throw invalid(at, `${key} takes a non-empty array of filters`);
        parts.push(
          this.node({ op: key === '$and' ? 'and' : 'or', items: value.map((v, i) => this.filter(v, `${at}[${i}]`)) }),
        );
      } else if (key === '$not') {
        parts.push(this.node({ op: 'not', item: this.filter(value, at) }));
      } else if (key.startsWith('$')) {
        throw invalid(at, `unknown operator ${key}; supported: ${FILTER_OPERATORS.join(' ')}`);
      } else {
        parts.push(this.field(parsePath(key, at), value, at));
      }
    }
    return parts.length === 1 ? parts[0] : this.node({ op: 'and', items: parts });
  }

  field(path: string[], cond: Raw, where: string): FilterNode {
    if (!isObject(cond)) return this.node({ op: 'eq', path, value: scalar(cond, where) });
    const keys = Object.keys(cond);
    if (keys.length === 0 || keys.some((k) => !k.startsWith('$'))) {
      throw invalid(where, 'a field condition is a scalar or an object of $-operators');
    }
    const parts = keys.map((op) => this.operator(path, op, cond[op], `${where}.${op}`));
    return parts.length === 1 ? parts[0] : this.node({ op: 'and', items: parts });
  }

  operator(path: string[], op: string, arg: Raw, where: string): FilterNode {
    switch (op) {
      case '$eq':
        return this.node({ op: 'eq', path, value: scalar(arg, where) });
      case '$ne':
        return this.node({ op: 'not', item: this.node({ op: 'eq', path, value: scalar(arg, where) }) });
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte':
        if (typeof arg !== 'number' || !Number.isFinite(arg)) throw invalid(where, `${op} takes a finite number`);
        return this.node({ op: 'range', path, cmp: op.slice(1) as 'gt', value: arg });
      case '$in':
      case '$nin': {
        if (!Array.isArray(arg) || arg.length === 0) throw invalid(where, `${op} takes a non-empty array of scalars`);
        const inNode = this.node({ op: 'in', path, values: arg.map((v, i) => scalar(v, `${where}[${i}]`)) });
        return op === '$in' ? inNode : this.node({ op: 'not', item: inNode });
      }
      case '$exists':
        if (typeof arg !== 'boolean') throw invalid(where, '$exists takes true or false');
        return this.node({ op: 'exists', path, value: arg });
      case '$not':
        return this.node({ op: 'not', item: this.field(path, arg, where) });
      default:
        throw invalid(where, `unknown operator ${op}; supported: ${FILTER_OPERATORS.join(' ')}`);
    }
  }

  node(n: FilterNode): FilterNode {
    if (++this.nodes > MAX_NODES)
      throw new ValidationError(`filter has more than ${MAX_NODES} conditions`, { field: 'filter' });
    return n;
  }
}

function parsePath(key: string, where: string): string[] {
  const path = key.split('.');
  if (path.length > 32 || !path.every((s) => SEGMENT.test(s))) {
    throw invalid(
      where,
      `invalid field path ${JSON.stringify(key)}: dotted segments, none empty, without [ ] or a leading $`,
    );
  }
  return path;
}

function scalar(v: Raw, where: string): Scalar {
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw invalid(where, 'expected a string, a finite number or a boolean (use $exists for missing or null fields)');
}

function invalid(where: string, message: string): ValidationError {
  return new ValidationError(`invalid filter at ${where}: ${message}`, { field: where });
}

/** Parses and validates a filter; `undefined`, `null` and `{}` mean "everything". */
export function parseFilter(raw: unknown): FilterNode | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (isObject(raw) && Object.keys(raw).length === 0) return undefined;
  return new Parser().filter(raw, 'filter');
}

/** The reference evaluator: what every adapter's translation must agree with. */
export function matchesFilter(payload: Record<string, unknown>, node: FilterNode | undefined): boolean {
  if (!node) return true;
  switch (node.op) {
    case 'and':
      return node.items.every((n) => matchesFilter(payload, n));
    case 'or':
      return node.items.some((n) => matchesFilter(payload, n));
    case 'not':
      return !matchesFilter(payload, node.item);
    case 'exists': {
      const v = valueAt(payload, node.path);
      const present = v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
      return present === node.value;
    }
    case 'eq':
      return candidates(payload, node.path).some((c) => scalarEquals(c, node.value));
    case 'in':
      return candidates(payload, node.path).some((c) => node.values.some((v) => scalarEquals(c, v)));
    case 'range':
      return candidates(payload, node.path).some((c) => typeof c === 'number' && compare(c, node.cmp, node.value));
  }
}

export function valueAt(payload: unknown, path: string[]): unknown {
  let cur: unknown = payload;
  for (const seg of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[seg];
  }
  return cur;
}

function candidates(payload: Record<string, unknown>, path: string[]): unknown[] {
  const v = valueAt(payload, path);
  return Array.isArray(v) ? v : [v];
}

function scalarEquals(a: unknown, b: Scalar): boolean {
  return typeof a === typeof b && a === b;
}

function compare(a: number, cmp: 'gt' | 'gte' | 'lt' | 'lte', b: number): boolean {
  return cmp === 'gt' ? a > b : cmp === 'gte' ? a >= b : cmp === 'lt' ? a < b : a <= b;
}
