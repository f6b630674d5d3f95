import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { describe, it } from 'vitest';
import { ROOT } from '../../devstack/tools.js';
import { startTestPglite } from '../helpers/pglite.js';
import { provided } from '../helpers/servers.js';

// LangChain's own Python PGVector code (test/python/langchain_pgvector.py) against the embedded
// store over its Unix socket, as a LangChain app in development would use it: both table layouts
// LangChain has used, several clients at once, each repeating its search past psycopg's prepare
// threshold (their automatic statement names are the same on every connection).
const run = promisify(execFile);
const LAYOUTS = {
  postgres: { id: ['id', 'character varying'] },
  community: { id: ['uuid', 'uuid'], custom_id: ['custom_id', 'character varying'] },
} as const;

async function langchain(
  ...args: string[]
): Promise<{ added?: number; answers?: number[][]; before_close?: number; after_close?: number }> {
  const python = (await provided('python'))!;
  const { stdout } = await run(python, [path.join(ROOT, 'test/python/langchain_pgvector.py'), ...args]);
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Awaited<ReturnType<typeof langchain>>;
}

describe("LangChain's PGVector on the embedded store's socket", () => {
  for (const [layout, columns] of Object.entries(LAYOUTS)) {
    it(`creates, fills and searches ${layout} tables from several clients at once`, async () => {
      const own = await startTestPglite();
      const url = `postgresql+psycopg://postgres@/postgres?host=${own.embedded.socketDir}&port=5432`;
      try {
        assert.deepEqual(await langchain('fill', layout, url, 'chunk_embeddings', '120', '16'), { added: 120 });
        const searches = await Promise.all(
          Array.from({ length: 3 }, () =>
            langchain('search', layout, url, 'chunk_embeddings', 'document 3 about topic 3', '4', '16', '7'),
          ),
        );
        // Every client, every repetition: the same answer, the document itself first.
        const first = searches[0].answers![0];
        assert.equal(first[0], 3);
        for (const s of searches)
          assert.deepEqual(
            s.answers,
            Array.from({ length: 7 }, () => first),
          );

        const client = new pg.Client({
          host: own.embedded.socketDir,
          port: 5432,
          user: 'postgres',
          database: 'postgres',
        });
        await client.connect();
        try {
          const { rows } = await client.query<{ column_name: string; data_type: string }>(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'langchain_pg_embedding'",
          );
          const types = Object.fromEntries(rows.map((r) => [r.column_name, r.data_type]));
          for (const [name, type] of Object.values(columns)) assert.equal(types[name], type, `${layout}: ${name}`);
          const count = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM langchain_pg_embedding');
          assert.equal(count.rows[0].n, 120);
        } finally {
          await client.end();
        }
      } finally {
        await own.stop();
      }
    });
  }

  it("keeps psycopg's automatic prepared statements of each connection apart, and drops them when it leaves", async () => {
    // LangChain goes through SQLAlchemy, which does not prepare; an app using psycopg directly
    // does, under the same names on every connection (DuplicatePreparedStatement, before).
    const own = await startTestPglite();
    try {
      const out = await langchain(
        'psycopg',
        '-',
        `host=${own.embedded.socketDir} port=5432 user=postgres dbname=postgres`,
      );
      // Connection 0 prepared its one query; it left, and its statement with it.
      assert.equal(out.after_close, out.before_close! - 1);
    } finally {
      await own.stop();
    }
  });
});
