import * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import bytes from 'bytes';
import * as protoLoader from '@grpc/proto-loader';
import { HealthImplementation } from 'grpc-health-check';
import { ForbiddenError, type Role, keyChecker, roleAllows } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { ValdReads } from '../vald/reads.js';
import { ValdService } from '../vald/service.js';
import { VALD_SERVICES, valdProto } from './descriptors.js';
import { flushService, objectService, searchService } from './reads.js';
import { writeService } from './writes.js';

// Vald's gRPC API (vald.v1.*) in the API process, beside standard health checking
// (grpc.health.v1) and server reflection. Same bind rules as HTTP; with API keys set every call
// but health checks needs metadata `authorization: ApiKey <key>` (or `Bearer <key>`) whose role
// covers the RPC (PERMISSION_DENIED otherwise).
export interface GrpcServer {
  /** The port it listens on (the one asked for, or the one the system chose for 0). */
  port: number;
  stop(): Promise<void>;
}

const UNAUTHENTICATED = 'missing or invalid API key: send metadata authorization: ApiKey <key> or Bearer <key>';

/** The least role each RPC needs, by its path (`/vald.v1.Search/Search`); the same rules as HTTP. */
export function grpcRole(path: string): Role {
  if (path === '/vald.v1.Remove/RemoveByTimestamp' || path.startsWith('/vald.v1.Flush/')) return 'admin';
  if (/^\/vald\.v1\.(Insert|Upsert|Update|Remove)\//.test(path)) return 'write';
  return 'read'; // Search, Object, reflection
}

function authInterceptor(keys: string[]): grpc.ServerInterceptor {
  const roleOf = keyChecker(keys);
  return (method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, proceed) => {
            if (method.path.startsWith('/grpc.health.v1.')) return proceed(metadata);
            const value = metadata.get('authorization')[0];
            const held = roleOf(value === undefined ? undefined : String(value));
            const needed = grpcRole(method.path);
            if (!held) call.sendStatus({ code: grpc.status.UNAUTHENTICATED, details: UNAUTHENTICATED });
            else if (!roleAllows(held, needed))
              call.sendStatus({
                code: grpc.status.PERMISSION_DENIED,
                details: new ForbiddenError(needed, held, method.path).message,
              });
            else proceed(metadata);
          },
        }),
    });
}

export function createGrpcServer(deps: ApiDeps): grpc.Server {
  const { env } = deps.config;
  const proto = valdProto();
  const log = deps.log.child({ component: 'grpc' });
  const collection = env.VECFLOW_VALD_COLLECTION;
  const limit = bytes.parse(env.VECFLOW_BODY_LIMIT) ?? 64 << 20;
  const server = new grpc.Server({
    interceptors: [authInterceptor(env.VECFLOW_API_KEYS)],
    'grpc.max_receive_message_length': limit,
    'grpc.max_send_message_length': limit,
    // Channelz keeps statistics of every call for its admin service, which is not served here.
    'grpc.enable_channelz': 0,
  });
  const writes = new ValdService(deps);
  const reads = new ValdReads(deps);
  for (const op of ['insert', 'upsert', 'update', 'remove'] as const) {
    const name = `${op[0].toUpperCase()}${op.slice(1)}` as 'Insert' | 'Upsert' | 'Update' | 'Remove';
    server.addService(proto.service(name), writeService(op, writes, log, collection));
  }
  server.addService(proto.service('Object'), objectService(reads, log, collection));
  server.addService(proto.service('Search'), searchService(reads, log, collection));
  server.addService(proto.service('Flush'), flushService(writes, log, collection));
  new HealthImplementation({
    '': 'SERVING',
    ...Object.fromEntries(VALD_SERVICES.map((s) => [`vald.v1.${s}`, 'SERVING'])),
  }).addToServer(server);
  // Reflection describes everything served from the published files themselves (Vald's and
  // grpc.health.v1's), not the per-package files proto-loader would regenerate from them.
  new ReflectionService({
    served: { fileDescriptorProtos: proto.files },
  } as unknown as protoLoader.PackageDefinition).addToServer(server);
  return server;
}

export async function startGrpcServer(deps: ApiDeps, host: string, port: number): Promise<GrpcServer> {
  const server = createGrpcServer(deps);
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port: bound,
    stop: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), 5_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
