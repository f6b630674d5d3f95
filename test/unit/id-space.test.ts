import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { bigIntToUuid, inRange, splitIdSpace, uuidToBigInt } from '../../core/id-space.js';
import { v5 as uuidv5 } from 'uuid';
import { internalId, internalIdBytes } from '../../core/point-id.js';

describe('internal id space', () => {
  it("is UUIDv5 of the id in vecflow's namespace, as the uuid library computes it (stored data depends on it)", () => {
    for (const id of ['a', 'A', 'ü🙂', 'x'.repeat(4096), 'vec-001', ' ']) {
      const expected = uuidv5(id, '6f1c3b1e-8d0a-5b7e-9a43-2f5c0d1e7a90');
      assert.equal(internalId(id), expected);
      assert.equal(internalIdBytes(id).toString('hex'), expected.replace(/-/g, ''));
    }
  });

  it('maps ids to stable UUIDv5s', () => {
    assert.equal(internalId('a'), internalId('a'));
    assert.notEqual(internalId('a'), internalId('A'));
    assert.match(internalId('ü🙂'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('splits the space into contiguous, covering ranges', () => {
    for (const n of [1, 2, 3, 7, 16]) {
      const ranges = splitIdSpace(n);
      assert.equal(ranges.length, n);
      assert.equal(ranges[0].start, null);
      assert.equal(ranges[n - 1].end, null);
      for (let i = 1; i < n; i++) assert.equal(ranges[i].start, ranges[i - 1].end, 'contiguous');
    }
    const four = splitIdSpace(4);
    assert.equal(four[1].start, '40000000-0000-0000-0000-000000000000');
    assert.equal(four[2].start, '80000000-0000-0000-0000-000000000000');
  });

  it('puts every id in exactly one shard', () => {
    const ranges = splitIdSpace(5);
    for (let i = 0; i < 500; i++) {
      const id = internalId(`x${i}`);
      assert.equal(ranges.filter((r) => inRange(id, r)).length, 1);
    }
    assert.equal(
      bigIntToUuid(uuidToBigInt('ffffffff-ffff-ffff-ffff-ffffffffffff')),
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
    );
    assert.throws(() => splitIdSpace(0));
  });
});
