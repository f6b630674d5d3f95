import { type FilterNode, matchesFilter, parseFilter } from '../../core/filter.js';
import type { Point } from '../../core/types.js';

/** A dataset and one filter per operator (and combinations), with expectations from the reference evaluator. */
export function filterCases(): { points: Point[]; cases: { name: string; filter: FilterNode; expected: string[] }[] } {
  const categories = ['documents', 'images', 'important', 'misc'];
  const points: Point[] = Array.from({ length: 30 }, (_, i) => {
    const payload: Record<string, unknown> = {
      category: categories[i % 4],
      rating: i % 6 === 0 ? 4 : (i % 5) + 0.5,
      n: i,
      tags: i % 3 === 0 ? ['red', 'blue'] : i % 3 === 1 ? ['green'] : [],
      meta: { lang: i % 2 ? 'en' : 'de', version: i % 4 },
      flag: i % 2 === 0,
    };
    if (i % 7 === 0) delete payload.category;
    if (i % 8 === 0) payload.category = null;
    if (i === 5) payload.scores = [1, 7.5, 12];
    return { id: `p${i}`, vector: Float32Array.from([1, i / 30, 0, 0.5]), payload, timestamp: BigInt(i + 1) };
  });
  const raw: Record<string, unknown> = {
    'eq-implicit': { category: 'documents' },
    eq: { category: { $eq: 'images' } },
    'eq-number': { n: 12 },
    'eq-float': { rating: 2.5 },
    'eq-bool': { flag: true },
    'eq-array-element': { tags: 'blue' },
    'eq-nested': { 'meta.lang': 'en' },
    ne: { category: { $ne: 'documents' } },
    'range-gt': { n: { $gt: 20 } },
    'range-gte': { rating: { $gte: 4.0 } },
    'range-lt': { n: { $lt: 3 } },
    'range-lte-nested': { 'meta.version': { $lte: 1 } },
    'range-array': { scores: { $gt: 10 } },
    in: { category: { $in: ['images', 'misc'] } },
    'in-mixed': { 'meta.version': { $in: [0, 3] } },
    nin: { category: { $nin: ['images', 'misc'] } },
    'exists-true': { category: { $exists: true } },
    'exists-false': { category: { $exists: false } },
    'exists-empty-array': { tags: { $exists: false } },
    and: { $and: [{ category: 'documents' }, { rating: { $gte: 4.0 } }] },
    or: { $or: [{ n: { $lt: 2 } }, { tags: 'green' }] },
    not: { $not: { flag: true } },
    'field-not': { n: { $not: { $gt: 5 } } },
    'implicit-and': { flag: true, 'meta.lang': 'de', n: { $gte: 10, $lt: 20 } },
    nested: {
      $or: [
        { $and: [{ category: 'important' }, { 'meta.version': 2 }] },
        { $not: { $or: [{ flag: true }, { n: { $lt: 25 } }] } },
      ],
    },
    'missing-field': { nothing: 'here' },
  };
  const cases = Object.entries(raw).map(([name, r]) => {
    const filter = parseFilter(r)!;
    const expected = points
      .filter((p) => matchesFilter(p.payload, filter))
      .map((p) => p.id)
      .sort();
    return { name, filter, expected };
  });
  return { points, cases };
}
