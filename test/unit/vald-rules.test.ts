import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import {
  CODES,
  HTTP_STATUS,
  MAX_DIM,
  MIN_DIM,
  packVector,
  parseRequest,
  parseTimestamp,
  status,
  fromWire,
  toWire,
  unpackVector,
} from '../../core/vald.js';

// Vald's request rules (seeds 001 Upsert API and 003 Insert API), as pure functions.
const NOW = 1_700_000_000_000_000_000n;
const write = (vector: unknown, config: Record<string, unknown> = {}, id: unknown = 'v-1') =>
  parseRequest('insert', { vector: { id, vector }, config }, NOW, 3);
const fieldOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err));
    return (err.details as { field: string }).field;
  }
  assert.fail('accepted');
};

describe('Vald request rules', () => {
  it('accepts a write, stamping it now unless the config gives a timestamp', () => {
    assert.deepEqual(write([0.1, 0.2, 0.3]), {
      id: 'v-1',
      vector: Float32Array.from([0.1, 0.2, 0.3]),
      timestamp: String(NOW),
      timestampGiven: false,
      skipStrictExistCheck: false,
    });
    const given = write([1, 2, 3], { timestamp: '42', skip_strict_exist_check: true });
    assert.equal(given.timestamp, '42');
    assert.equal(given.timestampGiven, true);
    assert.equal(given.skipStrictExistCheck, true);
    assert.equal(write([1, 2, 3], { timestamp: 0 }).timestampGiven, false, 'timestamp 0 means now');
  });

  it('refuses bad writes with INVALID_ARGUMENT naming the field', () => {
    assert.equal(
      fieldOf(() => write([1, 2, 3], {}, '')),
      'vector.id',
    );
    assert.equal(
      fieldOf(() => write('1,2,3')),
      'vector.vector',
    );
    assert.equal(
      fieldOf(() => write([1, Number.NaN, 3])),
      'vector.vector[1]',
    );
    assert.equal(
      fieldOf(() => write([1, '2', 3])),
      'vector.vector[1]',
    );
    assert.equal(
      fieldOf(() => write([1, 2, 1e39])),
      'vector.vector[2]',
      'a finite number that float32 cannot hold',
    );
    assert.equal(
      fieldOf(() => write(Float32Array.from([1, Number.POSITIVE_INFINITY, 3]))),
      'vector.vector[1]',
      'float32 values as decoded from gRPC',
    );
    assert.equal(
      fieldOf(() => write([1, 2])),
      'vector.vector',
      "a dimension other than the collection's",
    );
    assert.equal(
      fieldOf(() => write([1])),
      'vector.vector',
      `fewer than ${MIN_DIM} values`,
    );
    assert.equal(
      fieldOf(() => parseRequest('insert', { vector: { id: 'x', vector: new Array(MAX_DIM + 1).fill(0) } }, NOW, 3)),
      'vector.vector',
    );
    assert.equal(
      fieldOf(() => write([1, 2, 3], { timestamp: 'yesterday' })),
      'config.timestamp',
    );
    assert.equal(
      fieldOf(() => write([1, 2, 3], { timestamp: '-5' })),
      'config.timestamp',
    );
  });

  it('carries vectors bit-exact through history as float32 base64: -0, subnormals, the largest float', () => {
    const values = [-0, Math.fround(1e-45), Math.fround(3.4028234663852886e38), Math.fround(0.1)];
    const back = unpackVector(packVector(values));
    const request = {
      id: 'x',
      vector: Float32Array.from(values).subarray(1),
      timestamp: '1',
      timestampGiven: false,
      skipStrictExistCheck: false,
    };
    assert.deepEqual(fromWire(toWire(request)), request, 'a view into a larger buffer packs only its own values');
    assert.equal(
      Buffer.from(back.buffer).toString('hex'),
      Buffer.from(Float32Array.from(values).buffer).toString('hex'),
    );
    assert.ok(Object.is(back[0], -0));
  });

  it('validates removes by id', () => {
    assert.deepEqual(parseRequest('remove', { id: { id: 'gone' } }, NOW, 3), {
      id: 'gone',
      timestamp: String(NOW),
      timestampGiven: false,
      skipStrictExistCheck: false,
    });
    assert.equal(
      fieldOf(() => parseRequest('remove', { id: {} }, NOW, 3)),
      'id.id',
    );
  });

  it('reads int64 nanosecond timestamps exactly, from numbers and strings', () => {
    assert.equal(parseTimestamp('9223372036854775807', 't'), 9_223_372_036_854_775_807n);
    assert.equal(parseTimestamp(123, 't'), 123n);
    assert.equal(parseTimestamp(undefined, 't'), null);
    assert.throws(() => parseTimestamp('9223372036854775808', 't'), ValidationError);
    assert.throws(() => parseTimestamp(1.5, 't'), ValidationError);
  });

  it("maps Vald's status codes to gRPC numbers and HTTP statuses", () => {
    assert.deepEqual(status('ALREADY_EXISTS', 'id exists'), {
      status: { code: 6, status: 'ALREADY_EXISTS', message: 'id exists' },
    });
    assert.equal(CODES.NOT_FOUND, 5);
    assert.equal(HTTP_STATUS.INVALID_ARGUMENT, 400);
    assert.equal(HTTP_STATUS.ALREADY_EXISTS, 409);
    assert.equal(HTTP_STATUS.UNAVAILABLE, 503);
  });
});
