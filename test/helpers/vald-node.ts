import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import vald from 'vald-client-node';
import { readFileSync } from 'node:fs';
import { VALD_DESCRIPTORS_PATH } from '../../api/grpc/descriptors.js';

// Vald's own Node client (vald-client-node, generated grpc-js + google-protobuf), for tests.
export const { v1_vald: services, v1_payload: payloads } = vald;
export const payload = payloads.payload;

export interface ValdClients {
  insert: InstanceType<typeof services.insert_grpc.InsertClient>;
  upsert: InstanceType<typeof services.upsert_grpc.UpsertClient>;
  update: InstanceType<typeof services.update_grpc.UpdateClient>;
  remove: InstanceType<typeof services.remove_grpc.RemoveClient>;
  object: InstanceType<typeof services.object_grpc.ObjectClient>;
  search: InstanceType<typeof services.search_grpc.SearchClient>;
  close(): void;
}

export function valdClients(address: string): ValdClients {
  const creds = grpc.credentials.createInsecure();
  const clients = {
    insert: new services.insert_grpc.InsertClient(address, creds),
    upsert: new services.upsert_grpc.UpsertClient(address, creds),
    update: new services.update_grpc.UpdateClient(address, creds),
    remove: new services.remove_grpc.RemoveClient(address, creds),
    object: new services.object_grpc.ObjectClient(address, creds),
    search: new services.search_grpc.SearchClient(address, creds),
  };
  return { ...clients, close: () => Object.values(clients).forEach((c) => c.close()) };
}

type UnaryMethod<Req, Res> = (
  req: Req,
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: (err: grpc.ServiceError | null, res: Res) => void,
) => grpc.ClientUnaryCall;

/** A unary call as a promise of {res} or {err}: tests assert on both. */
export function call<Req, Res>(
  method: UnaryMethod<Req, Res>,
  client: grpc.Client,
  req: Req,
  options: { metadata?: Record<string, string>; deadlineMs?: number } = {},
): Promise<{ res?: Res; err?: grpc.ServiceError }> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(options.metadata ?? {})) md.set(k, v);
  const callOptions = options.deadlineMs ? { deadline: Date.now() + options.deadlineMs } : {};
  return new Promise((resolve) =>
    method.call(client, req, md, callOptions, (err, res) => resolve(err ? { err } : { res })),
  );
}

/** A Vald object vector (vald-client-node 1.7.4's Object.Vector has no timestamp field). */
export function objectVector(id: string, values: number[]) {
  const v = new payload.Object.Vector();
  v.setId(id);
  v.setVectorList(values);
  return v;
}

interface WriteConfig {
  setSkipStrictExistCheck(v: boolean): void;
  setTimestamp(v: number): void;
}
type Options = { skipStrictExistCheck?: boolean; timestamp?: number };

function fill<
  C extends WriteConfig,
  R extends { setVector(v: ReturnType<typeof objectVector>): void; setConfig(c: NoInfer<C>): void },
>(req: R, cfg: C, id: string, values: number[], options: Options): R {
  req.setVector(objectVector(id, values));
  cfg.setSkipStrictExistCheck(options.skipStrictExistCheck ?? false);
  if (options.timestamp !== undefined) cfg.setTimestamp(options.timestamp);
  req.setConfig(cfg);
  return req;
}

export const insertRequest = (id: string, values: number[], o: Options = {}) =>
  fill(new payload.Insert.Request(), new payload.Insert.Config(), id, values, o);
export const upsertRequest = (id: string, values: number[], o: Options = {}) =>
  fill(new payload.Upsert.Request(), new payload.Upsert.Config(), id, values, o);
export const updateRequest = (id: string, values: number[], o: Options = {}) =>
  fill(new payload.Update.Request(), new payload.Update.Config(), id, values, o);

export function removeRequest(id: string, timestamp?: number) {
  const req = new payload.Remove.Request();
  const oid = new payload.Object.ID();
  oid.setId(id);
  req.setId(oid);
  const cfg = new payload.Remove.Config();
  if (timestamp !== undefined) cfg.setTimestamp(timestamp);
  req.setConfig(cfg);
  return req;
}

let root: protobuf.Root | null = null;
/** The google.rpc.Status of an error's grpc-status-details-bin trailer, details decoded. */
export function statusDetails(err: grpc.ServiceError): {
  code: number;
  message: string;
  details: Record<string, unknown>[];
} {
  root ??= (protobuf.Root as unknown as { fromDescriptor(s: unknown): protobuf.Root }).fromDescriptor(
    (descriptor as unknown as { FileDescriptorSet: { decode(b: Uint8Array): unknown } }).FileDescriptorSet.decode(
      readFileSync(VALD_DESCRIPTORS_PATH),
    ),
  );
  const bin = err.metadata.get('grpc-status-details-bin')[0];
  if (!bin) throw new Error(`no grpc-status-details-bin in ${err.message}`);
  const status = root
    .lookupType('google.rpc.Status')
    .toObject(root.lookupType('google.rpc.Status').decode(bin as Buffer)) as {
    code: number;
    message: string;
    details?: { typeUrl: string; value: Uint8Array }[];
  };
  return {
    code: status.code,
    message: status.message,
    details: (status.details ?? []).map((d) => {
      const type = root!.lookupType(d.typeUrl.replace('type.googleapis.com/', ''));
      return { '@type': type.fullName.slice(1), ...type.toObject(type.decode(d.value), { defaults: false }) };
    }),
  };
}
