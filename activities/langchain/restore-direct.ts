import { type TextVectorRows, type WireKind, encodeTextVectorRows } from '../../stores/langchain/copy-binary.js';
import { EMBEDDING_TABLE, type LangchainLayout } from '../../stores/langchain/tables.js';
import { UUID_TEXT } from '../../core/point-id.js';

// A page of a collection file straight into LangChain's table: one binary COPY, without the
// staging table and the merge — half the database's work per row (measured by bench:langchain:
// the merge's INSERT … SELECT costs about as much again as the COPY). Possible when the file
// and the table share a layout (no key derived in SQL) and every key of the page is new; any
// integrity error (a key that exists, a key twice in the page) rolls the COPY back and the page
// goes through the merge instead, which upserts: the outcome is the merge's either way.

export interface DirectLoad {
  /** The COPY target: the embedding table and its column list, in the encoded order. */
  target: string;
  /** The page's binary COPY input, or null when the page must be merged (a key SQL derives). */
  encode(rows: TextVectorRows): Buffer | null;
}

/** The direct load for a file of layout `from` into a table of layout `to`, if there is one. */
export function directLoad(
  from: LangchainLayout,
  to: LangchainLayout,
  collectionUuid: string,
  metadataType: string,
): DirectLoad | null {
  if (from !== to) return null;
  // json travels as its text; jsonb as its binary form (a version byte, then the text).
  const metadata: WireKind = metadataType === 'jsonb' ? 'jsonb' : 'text';
  // Staged text columns: `id, document, cmetadata` or `uuid, custom_id, document, cmetadata`.
  const [columns, kinds]: [string[], WireKind[]] =
    from === 'langchain-postgres'
      ? [
          ['id', 'document', 'cmetadata'],
          ['text', 'text', metadata],
        ]
      : [
          ['uuid', 'custom_id', 'document', 'cmetadata'],
          ['uuid', 'text', 'text', metadata],
        ];
  return {
    target: `${EMBEDDING_TABLE} (${[...columns, 'collection_id', 'embedding'].join(', ')})`,
    encode(rows) {
      // The merge derives a uuid for a key that is not one (or is missing): leave those to it.
      if (from === 'langchain-community' && !rows.texts[0].every((u) => u !== null && UUID_TEXT.test(u))) return null;
      const collection = rows.vectors.map(() => collectionUuid);
      return encodeTextVectorRows({ texts: [...rows.texts, collection], vectors: rows.vectors }, [...kinds, 'uuid']);
    },
  };
}
