import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { HashingEmbedder } from '../../embedders/hashing.js';
import { createEmbedder } from '../../embedders/index.js';
import { EmbedderError } from '../../embedders/port.js';
import { localServer } from '../helpers/http-server.js';

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('hashing embedder', () => {
  const e = new HashingEmbedder('hash-384', 384);

  it('is deterministic, L2-normalised and of the declared dimension', async () => {
    const [a, b] = await e.embed(['The quick brown fox', 'The quick brown fox']);
    assert.equal(a.length, 384);
    assert.deepEqual(a, b);
    assert.ok(Math.abs(cosine(a, a) - 1) < 1e-5);
  });

  it('puts lexically similar texts nearer than unrelated ones', async () => {
    const [q, near, far] = await e.embed([
      'red running shoes for women',
      'women running shoes, red',
      'quarterly tax report 2024',
    ]);
    assert.ok(cosine(q, near) > 0.5, `similar: ${cosine(q, near)}`);
    assert.ok(cosine(q, far) < cosine(q, near) / 2, `unrelated: ${cosine(q, far)}`);
  });

  it('normalises case and Unicode forms', async () => {
    const [a, b] = await e.embed(['Café ＡＢＣ', 'café abc']);
    assert.deepEqual(a, b);
  });

  it('refuses text with nothing to embed', async () => {
    await assert.rejects(
      e.embed(['ok', '  ?! ']),
      (err: unknown) => err instanceof EmbedderError && !err.retryable && /text 1/.test(err.message),
    );
  });
});

describe('openai-compatible embedder against a local server', () => {
  let server: Awaited<ReturnType<typeof localServer>>;
  let mode: 'ok' | '429' | '500' | '400' | 'short' = 'ok';
  beforeAll(async () => {
    server = await localServer((req, res) => {
      if (mode !== 'ok' && mode !== 'short') {
        res
          .writeHead(Number(mode), { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: `status ${mode}` } }));
        return;
      }
      const input: string[] = req.body.input;
      // Answer out of order: the embedder must sort by index.
      const data = input
        .map((t, index) => ({
          index,
          embedding: Array.from({ length: mode === 'short' ? 3 : 4 }, (_, i) => t.length + i),
        }))
        .reverse();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data, model: req.body.model }));
    });
  });
  afterAll(() => server.close());

  const model = () =>
    createEmbedder(
      {
        id: 'remote',
        kind: 'openai',
        dimension: 4,
        distance: 'cosine',
        base_url: server.url,
        model: 'text-embed',
        api_key_env: 'TEST_EMBED_KEY',
        batch_size: 2,
        timeout_ms: 5000,
        send_dimensions: true,
      },
      { TEST_EMBED_KEY: 'sk-test' },
    );

  it('batches, authenticates and keeps input order', async () => {
    mode = 'ok';
    server.requests.length = 0;
    const out = await model().embed(['a', 'bb', 'ccc', 'dddd', 'eeeee']);
    assert.deepEqual(
      out.map((v) => v[0]),
      [1, 2, 3, 4, 5],
    );
    assert.equal(server.requests.length, 3, 'batches of 2');
    const first = server.requests[0];
    assert.equal(first.url, '/v1/embeddings');
    assert.equal(first.headers.authorization, 'Bearer sk-test');
    assert.deepEqual(first.body, { model: 'text-embed', input: ['a', 'bb'], encoding_format: 'float', dimensions: 4 });
  });

  it('marks 429 and 5xx retryable, other 4xx and bad shapes final', async () => {
    for (const [m, retryable] of [
      ['429', true],
      ['500', true],
      ['400', false],
      ['short', false],
    ] as const) {
      mode = m;
      await assert.rejects(
        model().embed(['x']),
        (err: unknown) => err instanceof EmbedderError && err.retryable === retryable,
        m,
      );
    }
  });

  it('treats an unreachable endpoint as retryable', async () => {
    const e = createEmbedder({
      id: 'x',
      kind: 'openai',
      dimension: 4,
      distance: 'cosine',
      base_url: 'http://127.0.0.1:1/v1',
      model: 'm',
      batch_size: 8,
      timeout_ms: 2000,
      send_dimensions: false,
    });
    await assert.rejects(e.embed(['x']), (err: unknown) => err instanceof EmbedderError && err.retryable);
  });
});
