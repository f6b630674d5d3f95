import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import {
  type PlannedSource,
  fileStem,
  nameOfStem,
  planFiles,
  seedManifestFields,
} from '../../core/langchain-backup.js';

// The seed-004 layout of a LangChain backup: file names and the manifest's own fields.
describe('LangChain backup files', () => {
  it('keeps safe names as they are and percent-encodes the others, reversibly', () => {
    for (const safe of ['chunk_embeddings', 'daily-events.v2', 'a'.repeat(100)]) assert.equal(fileStem(safe), safe);
    const cases: [string, string][] = [
      ['événements 2024/Q1', '%C3%A9v%C3%A9nements%202024%2FQ1'],
      ['..', '%2E%2E'],
      ['a.b c', 'a%2Eb%20c'],
      ['100%', '100%25'],
    ];
    for (const [name, stem] of cases) {
      assert.equal(fileStem(name), stem);
      assert.match(stem, /^[A-Za-z0-9_%-]+$/, 'no dots or separators in an encoded stem');
    }
    for (const name of ['événements 2024/Q1', '..', 'a.b c', '100%', 'chunk_embeddings', '日本語'])
      assert.equal(nameOfStem(fileStem(name)), name);
    assert.throws(() => fileStem(''), ValidationError);
    assert.throws(() => fileStem('é'.repeat(40)), /too long/);
  });

  it("splits large collections into the seed's part files and refuses names that would collide", () => {
    const files = planFiles(
      [
        { kind: 'collection', name: 'chunk_embeddings', rows: 120_000 },
        { kind: 'collection', name: 'weekly', rows: 50_000 },
        { kind: 'table', name: 'event_summaries', rows: 10_107 },
      ],
      50_000,
    );
    assert.deepEqual(
      files.map((f) => f.file),
      [
        'chunk_embeddings_part0000.parquet',
        'chunk_embeddings_part0001.parquet',
        'chunk_embeddings_part0002.parquet',
        'weekly.parquet',
        'event_summaries.parquet',
      ],
    );
    const pair = (first: PlannedSource, second: PlannedSource) => () => planFiles([first, second], 100);
    assert.throws(
      pair(
        { kind: 'collection', name: 'event_summaries', rows: 5 },
        { kind: 'table', name: 'event_summaries', rows: 5 },
      ),
      /collection "event_summaries" and table "event_summaries" would both be written to event_summaries\.parquet/,
    );
    assert.throws(
      pair({ kind: 'collection', name: 'a', rows: 250 }, { kind: 'collection', name: 'a_part0001', rows: 1 }),
      /collection "a" and collection "a_part0001" would both be written to a_part0001\.parquet/,
    );
    assert.throws(() => planFiles([], 0), /batch_size/);
  });

  it("writes the seed's manifest fields: total_files counts the manifest itself", () => {
    const files = planFiles(
      [
        { kind: 'collection', name: 'chunk_embeddings', rows: 470_890 },
        { kind: 'collection', name: 'daily_event_embeddings', rows: 8_317 },
        { kind: 'table', name: 'event_summaries', rows: 10_107 },
      ],
      1_000_000,
    );
    const manifest = seedManifestFields(
      new Date('2024-11-06T19:45:00Z'),
      files,
      [
        { name: 'chunk_embeddings', rows: 470_890 },
        { name: 'daily_event_embeddings', rows: 8_317 },
      ],
      true,
    );
    assert.deepEqual(manifest, {
      export_timestamp: '2024-11-06T19:45:00',
      total_files: 4,
      files: ['chunk_embeddings.parquet', 'daily_event_embeddings.parquet', 'event_summaries.parquet'],
      metadata: {
        total_embeddings: 479_207,
        collections: ['chunk_embeddings', 'daily_event_embeddings'],
        include_event_summaries: true,
      },
    });
  });
});
