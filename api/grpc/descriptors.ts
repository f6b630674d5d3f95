import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { installVectorDecoder, withFloat32Vectors } from './vector-decoding.js';

// Vald's gRPC API as Vald publishes it: the FileDescriptorSet of vald-client-python, plus
// grpc.health.v1 from grpcio-health-checking (dumped by `npm run vald:descriptors`, committed as
// grpc-api.protoset). The server, reflection and the
// error details (google.rpc.Status in the grpc-status-details-bin trailer) all come from it, so
// what vecflow speaks is Vald's wire format, not a look-alike.
export const VALD_DESCRIPTORS_PATH = fileURLToPath(new URL('./grpc-api.protoset', import.meta.url));

/** Field names as in Vald's protos (skip_strict_exist_check), int64 as decimal strings. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

export const VALD_SERVICES = ['Insert', 'Upsert', 'Update', 'Remove', 'Object', 'Search', 'Flush'] as const;
export type ValdServiceName = (typeof VALD_SERVICES)[number];

export interface ValdProto {
  definition: protoLoader.PackageDefinition;
  /** Each file of the set as Vald published it (serialized FileDescriptorProto), for reflection. */
  files: Buffer[];
  service(name: ValdServiceName): grpc.ServiceDefinition;
  /** A google.rpc.Status with `details` (Any) of Vald's error detail types, encoded. */
  encodeStatus(code: number, message: string, details: { type: string; value: Record<string, unknown> }[]): Buffer;
  /** One message of a type the descriptors define (e.g. rpc.v1.ErrorInfo), encoded. */
  encodeDetail(type: string, value: Record<string, unknown>): Buffer;
}

let loaded: ValdProto | null = null;

export function valdProto(): ValdProto {
  if (loaded) return loaded;
  const bytes = readFileSync(VALD_DESCRIPTORS_PATH);
  const definition = protoLoader.loadFileDescriptorSetFromBuffer(bytes, LOADER_OPTIONS);
  const ext = descriptor as unknown as {
    FileDescriptorSet: { decode(b: Uint8Array): { file: unknown[] } };
    FileDescriptorProto: { encode(f: unknown): { finish(): Uint8Array } };
  };
  const set = ext.FileDescriptorSet.decode(bytes);
  const fromDescriptor = (
    protobuf.Root as unknown as {
      fromDescriptor(set: unknown, options?: { keepCase?: boolean }): protobuf.Root;
    }
  ).fromDescriptor;
  const root = fromDescriptor(set);
  // A root of its own for decoding write requests, with float32 vectors (vector-decoding.ts),
  // and Vald's field names as proto-loader gives them (keepCase).
  const requestRoot = fromDescriptor(set, { keepCase: true });
  const fastVectors = installVectorDecoder(requestRoot);
  const Status = root.lookupType('google.rpc.Status');
  const encodeDetail = (type: string, value: Record<string, unknown>) =>
    Buffer.from(root.lookupType(type).encode(value).finish());
  loaded = {
    definition,
    files: set.file.map((f) => Buffer.from(ext.FileDescriptorProto.encode(f).finish())),
    service(name) {
      const service = definition[`vald.v1.${name}`] as grpc.ServiceDefinition;
      return fastVectors ? withFloat32Vectors(service, `vald.v1.${name}`, requestRoot) : service;
    },
    encodeDetail,
    encodeStatus(code, message, details) {
      const any = details.map((d) => ({
        typeUrl: `type.googleapis.com/${d.type}`,
        value: encodeDetail(d.type, d.value),
      }));
      return Buffer.from(Status.encode({ code, message, details: any }).finish());
    },
  };
  return loaded;
}
