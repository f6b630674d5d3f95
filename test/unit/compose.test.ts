import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { EnvSchema } from '../../core/config.js';
import { PROJECT_ROOT } from '../../core/paths.js';
import { SEARCH_ATTRIBUTES } from '../../core/search-attributes.js';
import { WEED } from '../../devstack/tools.js';
import { composeProblems, envOf, type Facts, imageTag, parseCompose } from '../helpers/compose-checks.js';

// docker-compose.yml, checked without Docker (no engine runs here): pinned images, health checks,
// loopback-only back-ends, variables the configuration knows, volumes, users, dependencies,
// versions that must agree; and scripts/compose-smoke.sh, the test users run with Docker.
const read = (file: string) => readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
const facts: Facts = {
  envKeys: new Set(Object.keys(EnvSchema.shape)),
  qdrantClient: (JSON.parse(read('node_modules/@qdrant/js-client-rest/package.json')) as { version: string }).version,
  weedVersion: WEED.pip.split('==')[1],
  searchAttributes: SEARCH_ATTRIBUTES.map((a) => a.name),
  stores: ['pgvector', 'qdrant'],
};
const composeText = read('docker-compose.yml');
const dockerfile = read('Dockerfile');

describe('docker-compose.yml', () => {
  it('passes every check', () => {
    assert.deepEqual(composeProblems(composeText, dockerfile, facts), []);
  });

  it('publishes the API (keys required) and nothing else beyond loopback, runs the built image', () => {
    const { services } = parseCompose(composeText);
    for (const store of facts.stores) {
      const api = services[`vecflow-api-${store}`];
      assert.deepEqual(api.ports, ['8000:8000', '8081:8081']);
      assert.equal(envOf(api).VECFLOW_HOST, '0.0.0.0');
      assert.equal(services[`vecflow-worker-${store}`].ports, undefined);
      const env = envOf(services[`vecflow-worker-${store}`]);
      assert.equal(
        store === 'pgvector' ? env.DATABASE_URL.includes('@pgvector:') : env.QDRANT_URL,
        store === 'pgvector' ? true : 'http://qdrant:6333',
      );
    }
    const keyed = Object.entries(services).filter(([, s]) => s.ports?.some((p) => !String(p).startsWith('127.0.0.1:')));
    assert.deepEqual(keyed.map(([n]) => n).sort(), ['vecflow-api-pgvector', 'vecflow-api-qdrant']);
    assert.equal(imageTag('registry:5000/x/y:1.2.3@sha256:ab').tag, '1.2.3');
  });

  it('catches each problem it checks for (a compose file like the one before)', () => {
    const old = `
services:
  temporal:
    image: temporalio/auto-setup:1.28.1
    ports: ['7233:7233']
    healthcheck: { test: ['CMD', 'tctl', 'cluster', 'health'] }
  admin:
    image: temporalio/admin-tools:1.27.0
    restart: 'no'
  pgvector:
    image: pgvector/pgvector:pg17
    profiles: [pgvector]
    healthcheck: { test: ['CMD-SHELL', 'pg_isready'] }
  qdrant:
    image: qdrant/qdrant:v1.16.1
    volumes: [qdrant:/qdrant/storage]
  minio:
    image: minio/minio:latest
    ports: ['9000:9000']
  db:
    image: postgres
    healthcheck: { test: ['CMD-SHELL', 'pg_isready'] }
  vecflow-worker:
    build: .
    user: root
    depends_on:
      qdrant: { condition: service_healthy }
      pgvector: { condition: service_healthy }
      missing: { condition: service_started }
    environment: { VECFLOW_DATA_DIR: /data, MINIO_URL: http://minio:9000 }
    volumes: [vecflow-data:/data]
    healthcheck: { test: ['CMD', 'true'] }
volumes:
  qdrant:
  orphan:
`;
    const problems = composeProblems(old, 'FROM node:22.23.3-bookworm-slim\nUSER node\n', facts).join('\n');
    for (const expected of [
      /pgvector: image "pgvector\/pgvector:pg17" is not pinned/,
      /minio: image "minio\/minio:latest" is not pinned/,
      /db: image "postgres" is not pinned/,
      /qdrant: no health check/,
      /minio: no health check/,
      /temporal: port "7233:7233" is published beyond 127.0.0.1/,
      /minio: port "9000:9000" is published beyond 127.0.0.1/,
      /vecflow-worker: volume vecflow-data is not declared/,
      /volumes: orphan is declared but unused/,
      /vecflow-worker: waits for qdrant to be healthy, but qdrant has no health check/,
      /vecflow-worker: depends on pgvector, which its profiles do not start/,
      /vecflow-worker: depends on missing, which is not a service/,
      /admin: with profiles \[\], no running service waits for this one-shot job/,
      /vecflow-worker: MINIO_URL is not a variable vecflow knows/,
      /vecflow-worker: runs as root, not node/,
      /Dockerfile: \/data is not created and owned by node before USER node/,
      /qdrant: server v1\.16\.1 does not match @qdrant\/js-client-rest 1\.18/,
      /temporal: the health check is not `temporal operator cluster health`/,
      /temporal: the namespace job does not register search attribute VecflowKind/,
      /qdrant: no store service in profile qdrant/,
      /vecflow-api-pgvector: missing from profile pgvector/,
    ])
      assert.match(problems, expected);
  });
});

describe('scripts/compose-smoke.sh', () => {
  const script = path.join(PROJECT_ROOT, 'scripts/compose-smoke.sh');

  it('is an executable bash script that parses (bash -n)', () => {
    assert.ok(statSync(script).mode & 0o111, 'executable');
    assert.match(readFileSync(script, 'utf8'), /^#!\/usr\/bin\/env bash\n[\s\S]*^set -euo pipefail$/m);
    const check = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
  });

  it('drives the services, profiles and volumes the compose file has', () => {
    const text = readFileSync(script, 'utf8');
    const { services, volumes } = parseCompose(composeText);
    assert.match(text, /docker volume rm "\$\{project\}_\$store" "\$\{project\}_vecflow-data"/);
    assert.ok(volumes && 'vecflow-data' in volumes);
    for (const store of facts.stores) assert.ok(services[`vecflow-api-${store}`] && services[store]);
    assert.match(text, /compose up -d --wait/);
    assert.match(text, /trap finish EXIT/);
  });
});
