import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { packItemVector, stagedVector } from '../../core/task-vectors.js';

describe('staged task vectors', () => {
  it('packs a vector of numbers into float32 base64, bit for bit as the worker converts it', () => {
    const vector = [0.1, -0, 1e-45, 3.4028234663852886e38, -2.5];
    const staged = packItemVector({ object_id: 'a', payload: { x: 1 }, vector }) as Record<string, unknown>;
    assert.deepEqual(Object.keys(staged).sort(), ['object_id', 'payload', 'vector_f32']);
    const back = stagedVector(staged as { vector_f32?: string })!;
    assert.deepEqual(
      Buffer.from(back.buffer, back.byteOffset, back.byteLength),
      Buffer.from(Float32Array.from(vector).buffer),
    );
    assert.ok(Object.is(back[1], -0));
  });

  it('leaves what the worker must refuse as given, so it is reported per item', () => {
    for (const vector of [[1, 'x'], [1, null], [1, 1e39], 'not a list']) {
      const item = { object_id: 'a', payload: {}, vector };
      assert.equal(packItemVector(item), item);
    }
    assert.equal(stagedVector({}), undefined);
  });
});
