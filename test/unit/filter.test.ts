import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { matchesFilter, parseFilter } from '../../core/filter.js';

const doc = { category: 'documents', rating: 4.5, tags: ['a', 'b'], meta: { lang: 'en' }, empty: [], nothing: null };
const match = (f: unknown) => matchesFilter(doc, parseFilter(f));

describe('filter language', () => {
  it('evaluates each operator on a known document', () => {
    assert.equal(match({ category: 'documents' }), true);
    assert.equal(match({ category: { $eq: 'images' } }), false);
    assert.equal(match({ category: { $ne: 'images' } }), true);
    assert.equal(match({ missing: { $ne: 'x' } }), true, '$ne matches a missing field');
    assert.equal(match({ rating: { $gt: 4, $lte: 4.5 } }), true);
    assert.equal(match({ rating: { $lt: 4.5 } }), false);
    assert.equal(match({ rating: { $gte: 4.5 } }), true);
    assert.equal(match({ tags: 'b' }), true, 'array element equality');
    assert.equal(match({ tags: { $in: ['x', 'a'] } }), true);
    assert.equal(match({ tags: { $nin: ['a'] } }), false);
    assert.equal(match({ 'meta.lang': 'en' }), true);
    assert.equal(match({ meta: { $exists: true } }), true);
    assert.equal(match({ empty: { $exists: true } }), false, 'an empty array does not exist');
    assert.equal(match({ nothing: { $exists: false } }), true, 'null does not exist');
    assert.equal(match({ $and: [{ category: 'documents' }, { rating: { $gte: 4.0 } }] }), true);
    assert.equal(match({ $or: [{ category: 'x' }, { 'meta.lang': 'de' }] }), false);
    assert.equal(match({ $not: { category: 'documents' } }), false);
    assert.equal(match({ rating: { $not: { $gt: 5 } } }), true);
    assert.equal(match({ rating: '4.5' }), false, 'types do not coerce');
    assert.equal(match({}), true);
  });

  it('rejects malformed filters with the place of the mistake', () => {
    const cases: [unknown, RegExp][] = [
      [[], /must be a JSON object/],
      [{ $foo: 1 }, /unknown operator \$foo/],
      [{ a: { $gt: 'x' } }, /filter\.a\.\$gt: \$gt takes a finite number/],
      [{ a: { $in: [] } }, /non-empty array/],
      [{ a: { b: 1 } }, /scalar or an object of \$-operators/],
      [{ a: null }, /use \$exists/],
      [{ 'a..b': 1 }, /invalid field path/],
      [{ $and: [] }, /non-empty array of filters/],
      [{ $or: [{ ok: 1 }, 'x'] }, /filter\.\$or\[1\]/],
      [{ a: { $exists: 'yes' } }, /true or false/],
    ];
    for (const [f, re] of cases) {
      assert.throws(
        () => parseFilter(f),
        (err: unknown) => err instanceof ValidationError && re.test(err.message),
        JSON.stringify(f),
      );
    }
  });

  it('refuses a filter nested deeper than 32 levels before recursing into it (20,000 levels: a 400, not a stack overflow)', () => {
    const nest = (levels: number, key: '$not' | '$and') => {
      let f: unknown = { lang: 'en' };
      for (let i = 0; i < levels; i++) f = key === '$not' ? { $not: f } : { $and: [f] };
      return f;
    };
    for (const key of ['$not', '$and'] as const) {
      assert.ok(parseFilter(nest(31, key)));
      assert.throws(
        () => parseFilter(nest(20_000, key)),
        (e: unknown) => e instanceof ValidationError && /at most 32 levels/.test(e.message),
      );
    }
  });

  it('treats undefined, null and {} as "everything"', () => {
    assert.equal(parseFilter(undefined), undefined);
    assert.equal(parseFilter(null), undefined);
    assert.equal(parseFilter({}), undefined);
  });
});
