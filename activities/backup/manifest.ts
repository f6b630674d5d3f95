import { z } from 'zod';
import { type Manifest, MANIFEST } from '../../core/backup.js';
import { DISTANCES } from '../../core/types.js';
import { ValidationError } from '../../core/errors.js';
import { isName } from '../../core/names.js';

// A backup's manifest is input like any request: it may have been edited, or written by someone
// else. Every name in it ends up in a path (files) or in a later backup's file names
// (collections, models), so each is checked here, once, before anything is read or written.

/** A file of the backup directory: a plain Parquet file name, never a path or a hidden file. */
export const BACKUP_FILE = /^[A-Za-z0-9_%-][A-Za-z0-9_%.-]{0,250}\.parquet$/;
const SHA256 = /^[0-9a-f]{64}$/;

const name = (kind: string) =>
  z.string().refine(isName, `not a valid ${kind} name (1-63 of A-Z a-z 0-9 _ . -, no "__")`);
const count = z.number().int().min(0);

function manifestSchema(allowUnverified: boolean) {
  const sha256 = allowUnverified
    ? z.union([z.string().regex(SHA256), z.literal(''), z.null()]).optional()
    : z
        .string({ error: 'missing: every file needs its sha256 (restore with allow_unverified to skip the check)' })
        .regex(SHA256, 'not a sha256 (64 hex digits); restore with allow_unverified to skip the check');
  return z.object({
    files: z.array(
      z.object({
        name: z.string().regex(BACKUP_FILE, 'not a plain Parquet file name'),
        collection: name('collection'),
        model: name('model'),
        part: count.nullable(),
        rows: count,
        bytes: count,
        sha256,
      }),
    ),
    collections: z.array(
      z.object({
        name: name('collection'),
        model: name('model'),
        dimension: z.number().int().min(1).max(65_536),
        distance: z.enum(DISTANCES as [string, ...string[]]),
        count,
        blue: z.boolean(),
        write_target: z.boolean().default(false),
        digest: z.string().nullable().default(null),
      }),
    ),
    total_embeddings: count,
  });
}

/**
 * vecflow's own manifest, checked: names (files, collections, models), counts, and a sha256 for
 * every file unless `allowUnverified`. The error names the field (`files[2].name`).
 */
export function parseManifest(raw: unknown, allowUnverified = false): Manifest {
  const parsed = manifestSchema(allowUnverified).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .slice(1);
    throw new ValidationError(`${MANIFEST}: ${field || 'the document'}: ${issue.message}`, { field });
  }
  return { ...(raw as Manifest), ...parsed.data } as Manifest;
}
