import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'vitest';
import { createLogger, logFormat, maskUrlCredentials } from '../../core/logger.js';

// What reaches a log line: never a secret.
describe('logs', () => {
  it('masks URL passwords and redacts secret fields wherever they sit', () => {
    assert.equal(
      maskUrlCredentials('connect postgresql://vecflow:s3cret@db:5432/x failed'),
      'connect postgresql://vecflow:***@db:5432/x failed',
    );
    assert.equal(maskUrlCredentials('http://host/path@x'), 'http://host/path@x', 'no credentials, unchanged');
    for (const format of ['json', 'pretty'] as const) {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      });
      const log = createLogger('test', 'info', format, sink);
      log.info(
        {
          req: { headers: { authorization: 'ApiKey k1', 'x-api-key': 'k2', cookie: 'c0' } },
          DATABASE_URL: 'postgres://u:p0@h/d',
          env: { AWS_SECRET_ACCESS_KEY: 'a0', QDRANT_API_KEY: 'q0', VECFLOW_API_KEYS: 'k3' },
          s3: { secretAccessKey: 'sk', password: 'pw' },
          target: 'postgresql://vecflow:field-secret@db/x',
        },
        'connecting to postgresql://vecflow:message-secret@db/x',
      );
      log.error({ err: new Error('postgresql://vecflow:error-secret@db/x refused') }, 'failed');
      const text = lines.join('');
      for (const secret of [
        'k1',
        'k2',
        'c0',
        'p0',
        'a0',
        'q0',
        'k3',
        'sk',
        'pw',
        'field-secret',
        'message-secret',
        'error-secret',
      ])
        assert.ok(!text.includes(secret), `${format}: ${secret} leaked: ${text}`);
      assert.equal(text.match(/\[redacted\]/g)?.length, 9, text);
      assert.match(text, /connecting to postgresql:\/\/vecflow:\*\*\*@db\/x/);
    }
  });

  it('chooses the format: LOG_FORMAT, else pretty on a terminal and JSON elsewhere', () => {
    assert.equal(logFormat({ LOG_FORMAT: 'pretty' }), 'pretty');
    assert.equal(logFormat({ LOG_FORMAT: 'json' }), 'json');
    assert.equal(logFormat({}), process.stdout.isTTY ? 'pretty' : 'json');
    assert.equal(createLogger('x', 'silent', 'json').level, 'silent');
  });
});
