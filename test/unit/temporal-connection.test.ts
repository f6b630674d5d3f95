import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from '@temporalio/client';
import { describe, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { ConfigError } from '../../core/errors.js';
import { lazyClient, taskQueueCondition } from '../../core/temporal.js';
import { temporalConnection } from '../../core/temporal-connection.js';

// The Temporal connection settings every process uses (worker, API, CLI), from the environment
// and TOML profiles as @temporalio/envconfig defines them. No network: only the options.
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'vf-temporal-'));
const pem = (label: string, body: string) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
const bytes = (v: unknown) => Buffer.from(v as Uint8Array).toString('utf8');

describe('Temporal connection settings (envconfig)', () => {
  it('defaults to the dev server npm start runs, namespace default, plaintext', () => {
    const t = temporalConnection({}, 7299);
    assert.deepEqual(t, {
      address: '127.0.0.1:7299',
      namespace: 'default',
      external: false,
      options: { address: '127.0.0.1:7299' },
    });
    // An empty variable counts as unset, as everywhere in vecflow's configuration.
    assert.equal(temporalConnection({ TEMPORAL_ADDRESS: '', TEMPORAL_NAMESPACE: '' }, 7233).external, false);
  });

  it('turns address, namespace and an API key into a TLS connection (Temporal Cloud)', () => {
    const t = temporalConnection(
      {
        TEMPORAL_ADDRESS: 'my-ns.a1b2c.tmprl.cloud:7233',
        TEMPORAL_NAMESPACE: 'my-ns.a1b2c',
        TEMPORAL_API_KEY: 'secret-key',
      },
      7233,
    );
    assert.deepEqual(t, {
      address: 'my-ns.a1b2c.tmprl.cloud:7233',
      namespace: 'my-ns.a1b2c',
      external: true,
      options: { address: 'my-ns.a1b2c.tmprl.cloud:7233', apiKey: 'secret-key', tls: true },
    });
    // TEMPORAL_TLS=false keeps an API key on a plaintext connection (a local proxy).
    const plain = temporalConnection(
      { TEMPORAL_ADDRESS: 'proxy:7233', TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' },
      1,
    );
    assert.equal(plain.options.tls, false);
  });

  it('reads mutual TLS certificate, key and server CA files (paths resolved against the working directory)', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'client.pem'), pem('CERTIFICATE', 'Y2xpZW50'));
    writeFileSync(path.join(dir, 'client.key'), pem('PRIVATE KEY', 'a2V5'));
    writeFileSync(path.join(dir, 'ca.pem'), pem('CERTIFICATE', 'Y2E='));
    const t = temporalConnection(
      {
        TEMPORAL_ADDRESS: 'temporal.internal:7233',
        TEMPORAL_NAMESPACE: 'vecflow',
        TEMPORAL_TLS_CLIENT_CERT_PATH: 'client.pem',
        TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(dir, 'client.key'),
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: 'ca.pem',
        TEMPORAL_TLS_SERVER_NAME: 'temporal.example',
      },
      7233,
      dir,
    );
    assert.equal(t.namespace, 'vecflow');
    assert.equal(t.options.apiKey, undefined);
    const tls = t.options.tls as Record<string, unknown> & { clientCertPair: { crt: unknown; key: unknown } };
    assert.deepEqual(Object.keys(tls).sort(), ['clientCertPair', 'serverNameOverride', 'serverRootCACertificate']);
    assert.equal(tls.serverNameOverride, 'temporal.example');
    assert.equal(bytes(tls.clientCertPair.crt), pem('CERTIFICATE', 'Y2xpZW50'));
    assert.equal(bytes(tls.clientCertPair.key), pem('PRIVATE KEY', 'a2V5'));
    assert.equal(bytes(tls.serverRootCACertificate), pem('CERTIFICATE', 'Y2E='));

    // PEM data in variables instead of files; TEMPORAL_TLS=true alone is TLS with the system CAs.
    const data = temporalConnection(
      {
        TEMPORAL_TLS_CLIENT_CERT_DATA: pem('CERTIFICATE', 'eA=='),
        TEMPORAL_TLS_CLIENT_KEY_DATA: pem('PRIVATE KEY', 'eQ=='),
      },
      7233,
    );
    assert.equal(
      bytes((data.options.tls as { clientCertPair: { key: unknown } }).clientCertPair.key),
      pem('PRIVATE KEY', 'eQ=='),
    );
    assert.deepEqual(temporalConnection({ TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS: 'true' }, 7233).options.tls, {});
  });

  it('loads a TOML profile (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE, or the default file), variables overriding it', () => {
    const dir = tmp();
    const file = path.join(dir, 'temporal.toml');
    writeFileSync(
      file,
      [
        '[profile.default]',
        'address = "default.example:7233"',
        '[profile.cloud]',
        'address = "prod.tmprl.cloud:7233"',
        'namespace = "prod.acct"',
        'api_key = "from-file"',
        '[profile.cloud.grpc_meta]',
        'x-tenant = "acme"',
      ].join('\n'),
    );
    const cloud = temporalConnection({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' }, 7233);
    assert.deepEqual(cloud.options, {
      address: 'prod.tmprl.cloud:7233',
      apiKey: 'from-file',
      tls: true,
      metadata: { 'x-tenant': 'acme' },
    });
    assert.equal(cloud.namespace, 'prod.acct');
    const overridden = temporalConnection(
      { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud', TEMPORAL_NAMESPACE: 'staging.acct' },
      7233,
    );
    assert.equal(overridden.namespace, 'staging.acct');
    assert.equal(overridden.options.apiKey, 'from-file');

    // The default location, ~/.config/temporalio/temporal.toml (XDG_CONFIG_HOME), default profile.
    const home = tmp();
    mkdirSync(path.join(home, '.config', 'temporalio'), { recursive: true });
    writeFileSync(path.join(home, '.config', 'temporalio', 'temporal.toml'), '[profile.default]\naddress = "h:7233"\n');
    const fromHome = temporalConnection({ HOME: home }, 7233);
    assert.equal(fromHome.address, 'h:7233');
    assert.equal(fromHome.external, true);
  });

  it('stops on a mistake, naming what to fix', () => {
    const dir = tmp();
    const refused = (env: NodeJS.ProcessEnv, pattern: RegExp) =>
      assert.throws(
        () => temporalConnection(env, 7233, dir),
        (e: unknown) => e instanceof ConfigError && pattern.test(e.message),
      );
    writeFileSync(path.join(dir, 'client.pem'), pem('CERTIFICATE', 'eA=='));
    refused({ TEMPORAL_TLS_CLIENT_CERT_PATH: 'client.pem' }, /CLIENT_CERT_\* is set without TEMPORAL_TLS_CLIENT_KEY/);
    refused(
      { TEMPORAL_TLS_CLIENT_CERT_PATH: 'client.pem', TEMPORAL_TLS_CLIENT_KEY_PATH: 'missing.key' },
      /missing\.key/,
    );
    refused({ TEMPORAL_CONFIG_FILE: 'nope.toml' }, /TEMPORAL_CONFIG_FILE=.*nope\.toml.*no such file/);
    writeFileSync(path.join(dir, 't.toml'), '[profile.default]\naddress = "a:1"\n');
    refused({ TEMPORAL_CONFIG_FILE: 't.toml', TEMPORAL_PROFILE: 'prod' }, /TEMPORAL_PROFILE=prod.*'prod' not found/);
    assert.throws(() => loadConfig({ TEMPORAL_TLS: 'yes' }, dir), /TEMPORAL_TLS="yes": set it to true or false/);
  });

  it('is what loadConfig carries and what the clients of the API and the CLI are built from', async () => {
    const config = loadConfig(
      { TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'vecflow', TEMPORAL_API_KEY: 'k' },
      tmp(),
    );
    assert.deepEqual(config.temporal.options, { address: 'temporal:7233', apiKey: 'k', tls: true });
    assert.equal(loadConfig({}, tmp()).temporal.namespace, 'default');
    const client = lazyClient(config.temporal); // Connection.lazy: nothing is dialled
    assert.equal(client.options.namespace, 'vecflow');
    const connection = client.connection as Connection;
    assert.equal(connection.options.address, 'temporal:7233');
    await client.connection.close();
  });
});

describe('taskQueueCondition', () => {
  it('quotes the task queue for a visibility query, escaping quotes and backslashes', () => {
    assert.equal(taskQueueCondition('vecflow'), "TaskQueue = 'vecflow'");
    assert.equal(taskQueueCondition("a'b\\c"), "TaskQueue = 'a\\'b\\\\c'");
  });
});
