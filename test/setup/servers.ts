import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startRealPostgres } from '../../devstack/postgres.js';
import { startSeaweed } from '../../devstack/seaweed.js';
import { startTemporalDev } from '../../devstack/temporal-dev.js';
import {
  LANGCHAIN_PYTHON,
  QDRANT_PYTHON,
  TEMPORAL,
  VALD_PYTHON,
  WEED,
  resolvePythonLib,
  resolveTool,
} from '../../devstack/tools.js';
import { startEmbeddedPostgres } from '../../stores/postgres/embedded.js';
import { cachedWorkflowBundle, writeWorkflowBundle } from '../../worker/bundle.js';
import '../helpers/servers.js';

// The integration tier's globalSetup: the real servers, started once for the whole run and handed
// to the test files (provide/inject, see test/helpers/servers.ts):
// - a Temporal dev server and a SeaweedFS S3 gateway, on free ports;
// - a real PostgreSQL with pgvector (PyPI's pgserver, devstack/postgres.ts), for the Postgres
//   adapter's tests against a real server;
// - one embedded Postgres (PGlite + pgvector served by pglite-socket), for tests that need just
//   "a Postgres over the wire". A test stack's worker owns a PGlite of its own instead, as a
//   production worker does: its bulk path runs in the owning process, and its catalog is its own;
// - the workflow bundle, built once instead of once per test file;
// - a Python with Vald's own client (vald-client-python), the gRPC health/reflection clients and
//   LangChain's PGVector code (both table layouts) over psycopg, and qdrant-client (local mode).
// The tools are installed if missing; with CI=true a tool that cannot be had fails the run.
const log = (msg: string) => console.log(`[test] ${msg}`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: (() => Promise<void>)[] = [];
  const teardown = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: Error) => log(`teardown: ${err.message}`));
  };
  try {
    for (const tool of [TEMPORAL, WEED]) log(`${tool.bin}: ${await resolveTool(tool, log)}`);
    const python = await resolvePythonLib([...VALD_PYTHON, ...LANGCHAIN_PYTHON, ...QDRANT_PYTHON], log);
    log(`python with Vald's, LangChain's and Qdrant's clients: ${python}`);
    const temporal = await startTemporalDev({ log });
    stops.push(() => temporal.stop());
    log(`Temporal dev server on ${temporal.address}`);
    const seaweed = await startSeaweed({ log });
    stops.push(() => seaweed.stop());
    log(`SeaweedFS S3 gateway on ${seaweed.endpoint}`);
    const postgres = await startRealPostgres({ log });
    stops.push(() => postgres.stop());
    log(`PostgreSQL 16 + pgvector (pgserver) on ${postgres.url}`);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-run-'));
    stops.push(() => rm(dir, { recursive: true, force: true }));
    const pglite = await startEmbeddedPostgres({ socketDir: path.join(dir, 'pg') });
    stops.push(() => pglite.stop());
    log(`embedded Postgres on ${pglite.socketDir}`);
    // The workers' own cache (built from these sources if missing), else one for this run.
    let bundle = (await cachedWorkflowBundle())?.codePath;
    if (!bundle) await writeWorkflowBundle((bundle = path.join(dir, 'workflow-bundle.js')));

    project.provide('temporalAddress', temporal.address);
    project.provide('s3Endpoint', seaweed.endpoint);
    project.provide('pgliteSocketDir', pglite.socketDir);
    project.provide('postgresUrl', postgres.url);
    project.provide('workflowBundlePath', bundle);
    project.provide('python', python);
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
