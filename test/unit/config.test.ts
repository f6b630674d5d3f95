import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { checkServing, isLoopback, loadConfig } from '../../core/config.js';
import { ConfigError } from '../../core/errors.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'vf-cfg-'));

describe('configuration', () => {
  it('has working built-in defaults with no file and no variables', () => {
    const c = loadConfig({}, tmp());
    assert.equal(c.env.PORT, 8000);
    assert.equal(c.env.VECFLOW_HOST, '127.0.0.1');
    assert.deepEqual(c.env.VECFLOW_API_KEYS, []);
    assert.deepEqual(
      c.models.map((m) => [m.id, m.dimension, m.distance]),
      [
        ['hash-384', 384, 'cosine'],
        ['hash-256', 256, 'cosine'],
      ],
    );
    assert.deepEqual(
      c.collections.map((x) => [x.name, x.blue_model]),
      [
        ['items', 'hash-384'],
        ['categories', 'hash-384'],
      ],
    );
    assert.equal(c.configFile, null);
  });

  it('validates environment variables, naming the bad one', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty' }, tmp()),
      (e: unknown) => e instanceof ConfigError && /PORT/.test(e.message),
    );
    assert.throws(
      () => loadConfig({ VECFLOW_UPLOAD_LIMIT: 'lots' }, tmp()),
      (e: unknown) =>
        e instanceof ConfigError &&
        /VECFLOW_UPLOAD_LIMIT="lots": set it to a size such as 500mb or 10gb/.test(e.message),
    );
    assert.equal(loadConfig({ VECFLOW_UPLOAD_LIMIT: '500mb' }, tmp()).env.VECFLOW_UPLOAD_LIMIT, '500mb');
    assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }, tmp()), /LOG_LEVEL/);
    assert.throws(
      () => loadConfig({ VECFLOW_EMBEDDED_SHARED_BUFFERS: 'lots' }, tmp()),
      /VECFLOW_EMBEDDED_SHARED_BUFFERS/,
    );
    assert.equal(
      loadConfig({ VECFLOW_EMBEDDED_SHARED_BUFFERS: '512MB' }, tmp()).env.VECFLOW_EMBEDDED_SHARED_BUFFERS,
      '512MB',
    );
    assert.throws(
      () => loadConfig({ DATABASE_URL: 'postgres://x', QDRANT_URL: 'http://q' }, tmp()),
      /either DATABASE_URL or QDRANT_URL/,
    );
    assert.deepEqual(loadConfig({ VECFLOW_API_KEYS: ' a, ,b ' }, tmp()).env.VECFLOW_API_KEYS, ['a', 'b']);
    assert.equal(loadConfig({ PORT: '' }, tmp()).env.PORT, 8000, 'empty means unset');
  });

  it('merges models and collections from vecflow.config.json', () => {
    const dir = tmp();
    writeFileSync(
      path.join(dir, 'vecflow.config.json'),
      JSON.stringify({
        models: [{ id: 'e5', kind: 'openai', dimension: 768, base_url: 'http://127.0.0.1:9/v1', model: 'e5-base' }],
        collections: [{ name: 'docs', blue_model: 'e5', text_fields: ['title', 'body'], max_chunk_chars: 500 }],
      }),
    );
    const c = loadConfig({}, dir);
    assert.equal(c.configFile, path.join(dir, 'vecflow.config.json'));
    assert.deepEqual(
      c.models.map((m) => m.id),
      ['hash-384', 'hash-256', 'e5'],
    );
    assert.deepEqual(
      c.collections.map((x) => x.name),
      ['items', 'categories', 'docs'],
    );
  });

  it('rejects a bad config file with the path of the mistake', () => {
    const dir = tmp();
    const file = path.join(dir, 'custom.json');
    writeFileSync(file, JSON.stringify({ collections: [{ name: 'docs', blue_model: 'missing-model' }] }));
    assert.throws(() => loadConfig({ VECFLOW_CONFIG: file }, dir), /blue_model missing-model is not a declared model/);
    writeFileSync(file, JSON.stringify({ models: [{ id: 'bad__name', kind: 'hashing', dimension: 8 }] }));
    assert.throws(() => loadConfig({ VECFLOW_CONFIG: file }, dir), /models\.0\.id/);
    writeFileSync(file, '{ nope');
    assert.throws(() => loadConfig({ VECFLOW_CONFIG: file }, dir), /not valid JSON/);
    assert.throws(() => loadConfig({ VECFLOW_CONFIG: path.join(dir, 'absent.json') }, dir), /missing file/);
  });

  it('says which variable is wrong and what to set it to, one line for all mistakes', () => {
    const message = (env: Record<string, string>) => {
      try {
        loadConfig(env, tmp());
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.message;
      }
      assert.fail(`accepted ${JSON.stringify(env)}`);
    };
    assert.equal(
      message({ PORT: 'eighty' }),
      'PORT="eighty": set it to a port number from 0 to 65535, or unset it for the default',
    );
    assert.equal(
      message({ PORT: '70000' }),
      'PORT="70000": set it to a port number from 0 to 65535, or unset it for the default',
    );
    assert.match(
      message({ VECFLOW_PG_POOL_SIZE: '0' }),
      /^VECFLOW_PG_POOL_SIZE="0": set it to a whole number of 1 or more/,
    );
    assert.match(
      message({ VECFLOW_JOB_RETENTION_HOURS: '-1' }),
      /^VECFLOW_JOB_RETENTION_HOURS="-1": set it to a number of hours, 0 or more/,
    );
    assert.match(
      message({ LOG_LEVEL: 'loud' }),
      /^LOG_LEVEL="loud": set it to one of fatal, error, warn, info, debug, trace, silent/,
    );
    assert.match(message({ LOG_FORMAT: 'xml' }), /^LOG_FORMAT="xml": set it to pretty or json/);
    const two = message({ PORT: 'x', LOG_LEVEL: 'y' });
    assert.match(two, /^PORT="x": .*; LOG_LEVEL="y": /);
    assert.ok(!two.includes('\n'), 'one line');
  });

  it('refuses to serve beyond loopback without API keys, naming the variables and the fix', () => {
    assert.throws(
      () => checkServing(loadConfig({ VECFLOW_HOST: '0.0.0.0' }, tmp())),
      (e: unknown) =>
        e instanceof ConfigError &&
        /^VECFLOW_HOST=0\.0\.0\.0: refusing to listen on 0\.0\.0\.0 without API keys — set VECFLOW_API_KEYS=/.test(
          e.message,
        ),
    );
    checkServing(loadConfig({ VECFLOW_HOST: '0.0.0.0', VECFLOW_API_KEYS: 'k' }, tmp()));
    checkServing(loadConfig({}, tmp()));
  });

  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1']) assert.equal(isLoopback(h), true, h);
    for (const h of ['0.0.0.0', '10.0.0.1', '::', 'example.com']) assert.equal(isLoopback(h), false, h);
  });
});

describe('shipped example configuration', () => {
  it('vecflow.config.example.json is valid', async () => {
    const { ROOT } = await import('../../devstack/tools.js');
    const c = loadConfig({ VECFLOW_CONFIG: path.join(ROOT, 'vecflow.config.example.json') }, ROOT);
    assert.ok(c.models.some((m) => m.id === 'e5-base'));
    assert.ok(c.collections.some((x) => x.name === 'docs'));
  });
});
