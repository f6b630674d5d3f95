// What the run's globalSetup (test/setup/servers.ts) started, handed to the test files through
// vitest's provide/inject. Outside vitest (the benchmarks reuse these helpers) nothing is
// provided and callers start their own servers.
declare module 'vitest' {
  export interface ProvidedContext {
    /** host:port of the Temporal dev server. */
    temporalAddress: string;
    /** URL of the SeaweedFS S3 gateway. */
    s3Endpoint: string;
    /** Socket directory of the shared embedded Postgres (PGlite + pgvector over pglite-socket). */
    pgliteSocketDir: string;
    /** URL of the run's real PostgreSQL 16 with pgvector (devstack/postgres.ts). */
    postgresUrl: string;
    /** The workflow bundle, built once for the run. */
    workflowBundlePath: string;
    /** A python with vald-client-python, grpcio-health-checking, grpcio-reflection, LangChain's PGVector and qdrant-client (devstack/tools.ts). */
    python: string;
  }
}

export type ProvidedServers = import('vitest').ProvidedContext;

export async function provided<K extends keyof ProvidedServers>(key: K): Promise<ProvidedServers[K] | undefined> {
  if (!process.env.VITEST) return undefined;
  const { inject } = await import('vitest');
  return inject(key);
}
