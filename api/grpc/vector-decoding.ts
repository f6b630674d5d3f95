import type * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { float32From } from '../../core/float32.js';

// Write requests carry their vectors as packed float32s. proto-loader's generic decoder turns each
// value into a JS number and then copies every array again (toObject): for a MultiInsert of
// 1,000 384-d vectors that was ~20 ms of the API's CPU, the largest share of a Multi. Here the
// write services' requests are decoded by protobufjs from the same descriptors, except that
// payload.v1.Object.Vector's `vector` field is copied straight into a Float32Array (the wire's
// little-endian float32 bytes are exactly its contents). Same messages, same field names and
// defaults as the generic decoder (the unit tests compare both).
const VECTOR_TYPE = 'payload.v1.Object.Vector';
const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: String, defaults: true, oneofs: true };

export interface DecodedVector {
  id: string;
  vector: Float32Array;
  timestamp: string;
}

/** Makes the root's Object.Vector decode its floats as above; false when its shape is not the expected one. */
export function installVectorDecoder(root: protobuf.Root): boolean {
  const type = root.lookupType(VECTOR_TYPE);
  const { id, vector, timestamp } = type.fields;
  if (id?.type !== 'string' || vector?.type !== 'float' || !vector.repeated || timestamp?.type !== 'int64')
    return false;
  type.setup(); // generate the default codecs now, so that a later setup cannot replace these
  const decode = (input: protobuf.Reader | Uint8Array, length?: number): DecodedVector => {
    const r = input instanceof protobuf.Reader ? input : protobuf.Reader.create(input);
    const end = length === undefined ? r.len : r.pos + length;
    const out: DecodedVector = { id: '', vector: new Float32Array(0), timestamp: '0' };
    const chunks: Float32Array[] = [];
    while (r.pos < end) {
      const tag = r.uint32();
      const field = tag >>> 3;
      if (field === id.id) out.id = r.string();
      else if (field === vector.id && (tag & 7) === 2) chunks.push(float32From(r.bytes(), 'le'));
      else if (field === vector.id && (tag & 7) === 5) chunks.push(Float32Array.of(r.float()));
      else if (field === timestamp.id) out.timestamp = String(r.int64());
      else r.skipType(tag & 7);
    }
    if (chunks.length === 1) out.vector = chunks[0];
    else if (chunks.length > 1) {
      out.vector = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of chunks) {
        out.vector.set(c, at);
        at += c.length;
      }
    }
    return out;
  };
  Object.assign(type, { decode, toObject: (m: DecodedVector) => m });
  return true;
}

/**
 * The service definition with its requests decoded by `root` (where installVectorDecoder took)
 * when they hold an Object.Vector: Insert, Upsert, Update. Responses keep proto-loader's serializers.
 */
export function withFloat32Vectors(
  definition: grpc.ServiceDefinition,
  serviceName: string,
  root: protobuf.Root,
): grpc.ServiceDefinition {
  const service = root.lookupService(serviceName);
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = { ...definition };
  for (const [name, method] of Object.entries(definition)) {
    const rpc = service.methods[name];
    rpc?.resolve();
    const type = rpc?.resolvedRequestType;
    if (!type || !mentions(type, VECTOR_TYPE)) continue;
    out[name] = { ...method, requestDeserialize: (buf: Buffer) => type.toObject(type.decode(buf), TO_OBJECT) };
  }
  return out;
}

/** Whether the message type holds the named type, directly or in a nested message. */
function mentions(type: protobuf.Type, fullName: string, seen = new Set<protobuf.Type>()): boolean {
  if (seen.has(type)) return false;
  seen.add(type);
  return type.fieldsArray.some((f) => {
    const t = f.resolve().resolvedType;
    return t instanceof protobuf.Type && (t.fullName.replace(/^\./, '') === fullName || mentions(t, fullName, seen));
  });
}
