import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { collectionRead } from '../../activities/langchain/restore-columns.js';
import { toCsv } from '../../datafiles/langchain-parquet.js';

// The row codecs of LangChain backups and restores: Postgres CSV, and how a vecflow backup's
// rows become LangChain rows.
describe('LangChain row codecs', () => {
  it('writes CSV as Postgres reads it: NULL unquoted-empty, empty string quoted, quotes/commas/newlines quoted, \\. quoted', () => {
    const csv = toCsv([
      ['x', null, '', 'a,b', 'say "hi"', 'l1\nl2', '\\.'],
      ['1', '2', '3', '4', '5', '6', '7'],
    ]).toString();
    assert.equal(csv, 'x,1\n,2\n"",3\n"a,b",4\n"say ""hi""",5\n"l1\nl2",6\n"\\.",7\n');
  });

  it('turns vecflow rows into LangChain rows: page_content as document, else the text fields; the rest as cmetadata', () => {
    const vecflow = [
      { name: 'id', type: 'VARCHAR' },
      { name: 'vector', type: 'FLOAT[]' },
      { name: 'payload', type: 'VARCHAR' },
      { name: 'timestamp', type: 'BIGINT' },
    ];
    const read = collectionRead(vecflow, 'vecflow', undefined);
    assert.deepEqual(read.staged, ['id', 'document', 'cmetadata']);
    const withContent = read.row(['a', JSON.stringify({ page_content: 'text', n: 1 }), { items: [1, 2] }]);
    assert.deepEqual(withContent, { texts: ['a', 'text', '{"n":1}'], vector: Float32Array.of(1, 2) });
    const fields = read.row(['b', JSON.stringify({ title: 'T', n: 2, body: 'B' }), { items: [3] }]);
    assert.deepEqual(fields.texts, ['b', 'T\nB', '{"title":"T","n":2,"body":"B"}']);
    const configured = collectionRead(vecflow, 'vecflow', ['body']).row(['c', '{"title":"T","body":"B"}', null]);
    assert.deepEqual(configured, { texts: ['c', 'B', '{"title":"T","body":"B"}'], vector: null });
  });

  it("reads the seed's and LangChain's columns in either layout", () => {
    const col = (name: string, type = 'VARCHAR') => ({ name, type });
    const postgres = collectionRead(
      [col('id'), col('document'), col('cmetadata'), col('embedding')],
      'langchain-postgres',
      undefined,
    );
    assert.deepEqual(postgres.staged, ['id', 'document', 'cmetadata']);
    assert.equal(postgres.select.at(-1), 'CAST(embedding AS FLOAT[])');
    const community = collectionRead(
      [col('uuid'), col('custom_id'), col('document'), col('cmetadata'), col('embedding', 'FLOAT[]')],
      'langchain-community',
      undefined,
    );
    assert.deepEqual(community.staged, ['uuid', 'custom_id', 'document', 'cmetadata']);
    assert.throws(() => collectionRead([col('document'), col('embedding')], 'langchain-postgres', undefined), /id/);
  });
});
