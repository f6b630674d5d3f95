import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ConnectionOptions } from '@temporalio/client';
import { loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import { ConfigError } from './errors.js';

// Where Temporal is and how to reach it, for every process that connects (worker, API, CLI):
// Temporal's own environment configuration (@temporalio/envconfig), the variables and TOML
// profiles the Temporal CLI and SDKs read — TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
// TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_GRPC_META_*, TEMPORAL_PROFILE and
// TEMPORAL_CONFIG_FILE (default ~/.config/temporalio/temporal.toml). Variables override the
// profile. Without an address anywhere: the dev server `npm start` runs on VECFLOW_TEMPORAL_PORT.

/** What Connection.lazy/connect (client) and NativeConnection.connect (worker) both take. */
export type TemporalConnectionOptions = Pick<ConnectionOptions, 'tls'> & {
  address: string;
  apiKey?: string;
  metadata?: Record<string, string>;
};

export interface TemporalConnection {
  address: string;
  namespace: string;
  /** TEMPORAL_ADDRESS or a profile names a Temporal; otherwise `npm start` runs a dev server at `address`. */
  external: boolean;
  options: TemporalConnectionOptions;
}

/** The client certificate and its key come in pairs: a path or the PEM data of each. */
const PAIRS = [
  ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_CERT_DATA'],
  ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_CLIENT_KEY_DATA'],
] as const;

/**
 * The Temporal connection `source` (an environment) describes. File paths are resolved against
 * `cwd`; an empty variable counts as unset, as everywhere in vecflow's configuration (except
 * TEMPORAL_GRPC_META_<name>, where empty removes a profile's header, as envconfig defines).
 * Every mistake — a missing file, an unknown profile, half a certificate pair — is a ConfigError.
 */
export function temporalConnection(
  source: NodeJS.ProcessEnv,
  devServerPort: number,
  cwd = process.cwd(),
): TemporalConnection {
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined || (value === '' && !key.startsWith('TEMPORAL_GRPC_META_'))) continue;
    vars[key] =
      key === 'TEMPORAL_CONFIG_FILE' || /^TEMPORAL_TLS_\w+_PATH$/.test(key) ? path.resolve(cwd, value) : value;
  }
  const file = vars.TEMPORAL_CONFIG_FILE;
  if (file && !existsSync(file)) throw new ConfigError(`TEMPORAL_CONFIG_FILE=${JSON.stringify(file)}: no such file`);
  const [cert, key] = PAIRS.map((names) => names.some((n) => vars[n] !== undefined));
  if (cert !== key)
    throw new ConfigError(
      `${cert ? 'TEMPORAL_TLS_CLIENT_CERT_*' : 'TEMPORAL_TLS_CLIENT_KEY_*'} is set without ${cert ? 'TEMPORAL_TLS_CLIENT_KEY_*' : 'TEMPORAL_TLS_CLIENT_CERT_*'}: set both (mutual TLS) or neither`,
    );

  let connect: ReturnType<typeof toClientOptions>;
  try {
    connect = toClientOptions(loadClientConfigProfile({ overrideEnvVars: vars }));
  } catch (err) {
    const where = vars.TEMPORAL_PROFILE ? `TEMPORAL_PROFILE=${vars.TEMPORAL_PROFILE}` : 'TEMPORAL_* / temporal.toml';
    throw new ConfigError(`Temporal connection (${where}): ${(err as Error).message}`);
  }
  const given = connect.connectionOptions;
  const address = given.address ?? `127.0.0.1:${devServerPort}`;
  const options: TemporalConnectionOptions = { address };
  if (given.tls !== undefined)
    options.tls = typeof given.tls === 'object' && given.tls ? defined(given.tls) : given.tls;
  if (given.apiKey !== undefined) options.apiKey = given.apiKey as string;
  if (given.metadata && Object.keys(given.metadata).length) options.metadata = given.metadata as Record<string, string>;
  return { address, namespace: connect.namespace ?? 'default', external: given.address !== undefined, options };
}

/** The object without its undefined fields (TLS options envconfig leaves unset). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
