import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as protoLoader from '@grpc/proto-loader';
import type * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { describe, it } from 'vitest';
import { LOADER_OPTIONS, VALD_DESCRIPTORS_PATH, valdProto } from '../../api/grpc/descriptors.js';
import { insertRequest, payload, updateRequest, upsertRequest } from '../helpers/vald-node.js';

// The write services decode Object.Vector's floats straight into a Float32Array
// (api/grpc/vector-decoding.ts); everything else must come out exactly as proto-loader's
// generic decoder gives it, for messages built by Vald's own Node client.
const generic = protoLoader.loadFileDescriptorSetFromBuffer(readFileSync(VALD_DESCRIPTORS_PATH), LOADER_OPTIONS);
const genericMethod = (service: string, method: string) =>
  (generic[`vald.v1.${service}`] as grpc.ServiceDefinition)[method];
const fastMethod = (service: 'Insert' | 'Upsert' | 'Update', method: string) => valdProto().service(service)[method];

/** The decoded message with every Float32Array as a plain array, to compare with the generic decoder. */
const plain = (value: unknown): unknown =>
  value instanceof Float32Array
    ? Array.from(value)
    : Array.isArray(value)
      ? value.map(plain)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
        : value;

const both = (service: 'Insert' | 'Upsert' | 'Update', method: string, bytes: Uint8Array) => {
  const buf = Buffer.from(bytes);
  return {
    fast: fastMethod(service, method).requestDeserialize(buf) as Record<string, unknown>,
    generic: genericMethod(service, method).requestDeserialize(buf) as Record<string, unknown>,
  };
};

const SPECIAL = [-0, Math.fround(1e-45), Math.fround(3.4028234663852886e38), Math.fround(0.1), -1];

describe('gRPC write requests decoded with float32 vectors', () => {
  it('decodes Insert, Upsert and Update requests as the generic decoder does, vectors bit-exact', () => {
    const cases = [
      ['Insert', 'Insert', insertRequest('a', SPECIAL, { timestamp: 42, skipStrictExistCheck: true })],
      ['Upsert', 'Upsert', upsertRequest('ü🙂', [1, 2, 3])],
      ['Update', 'Update', updateRequest('u', [0.5, -0.5], { timestamp: 7 })],
      // NaN decodes as NaN (then refused as INVALID_ARGUMENT like any non-finite value).
      ['Upsert', 'Upsert', upsertRequest('nan', [Number.NaN, Number.POSITIVE_INFINITY])],
    ] as const;
    for (const [service, method, req] of cases) {
      const { fast, generic } = both(service, method, req.serializeBinary());
      assert.deepEqual(plain(fast), generic, `${service}.${method}`);
      const vector = (fast.vector as { vector: Float32Array }).vector;
      assert.ok(vector instanceof Float32Array);
      const sent = Float32Array.from(req.getVector()!.getVectorList());
      if (sent.some((x) => Number.isNaN(x))) continue; // NaN's payload bits are the encoder's choice
      assert.equal(Buffer.from(vector.buffer).toString('hex'), Buffer.from(sent.buffer).toString('hex'));
    }
  });

  it('decodes Multi requests (the Stream forms share the Request type)', () => {
    const multi = new payload.Insert.MultiRequest();
    multi.setRequestsList(Array.from({ length: 50 }, (_, i) => insertRequest(`m-${i}`, [i, -i, i / 3])));
    const { fast, generic } = both('Insert', 'MultiInsert', multi.serializeBinary());
    assert.deepEqual(plain(fast), generic);
    assert.equal((fast.requests as unknown[]).length, 50);
    const stream = both('Insert', 'StreamInsert', insertRequest('s', [1, 2]).serializeBinary());
    assert.ok((stream.fast.vector as { vector: unknown }).vector instanceof Float32Array);
  });

  it('accepts unpacked floats, split packed runs, unknown fields and a missing vector, as protobuf allows', () => {
    const writer = protobuf.Writer.create();
    // Insert.Request { vector (1): Object.Vector { id (1), vector (2) unpacked ×2, packed ×2, unknown 9, timestamp (3) } }
    const inner = protobuf.Writer.create();
    inner.uint32((1 << 3) | 2).string('x');
    inner.uint32((2 << 3) | 5).float(1.5);
    inner.uint32((2 << 3) | 5).float(-2);
    inner
      .uint32((2 << 3) | 2)
      .fork()
      .float(3)
      .float(4)
      .ldelim();
    inner.uint32((9 << 3) | 0).uint64(77);
    inner.uint32((3 << 3) | 0).int64(123456789012345);
    writer.uint32((1 << 3) | 2).bytes(inner.finish());
    const { fast, generic } = both('Insert', 'Insert', writer.finish());
    assert.deepEqual(plain(fast), generic);
    assert.deepEqual(Array.from((fast.vector as { vector: Float32Array }).vector), [1.5, -2, 3, 4]);
    assert.equal((fast.vector as { timestamp: string }).timestamp, '123456789012345');

    const empty = both('Insert', 'Insert', new Uint8Array());
    assert.deepEqual(plain(empty.fast), empty.generic);
    assert.equal(empty.fast.vector, null);
  });
});
