import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type BackupLocation, type Manifest, type ManifestFile, MANIFEST, backupStamp } from '../../core/backup.js';
import type { LangchainManifest } from '../../core/langchain-backup.js';
import { errorMessage } from '../../core/errors.js';
import { parquetInfo, sha256File } from '../../datafiles/parquet.js';
import type { ActivityContext } from '../context.js';
import { backupDir, s3Store } from './locations.js';
import { restoreActivities } from './restore.js';
import { BACKUP_FILE, parseManifest } from './manifest.js';

export interface VerifyReport {
  ok: boolean;
  files: { name: string; ok: boolean; problems: string[] }[];
  /** Files in the directory that the manifest does not list. */
  unlisted: string[];
  problems: string[];
}

export interface RetentionPolicy {
  keep_last?: number;
  max_age_days?: number;
}

/** Checks every file of a backup against its manifest: presence, size, sha256, row count. */
async function verifyDir(dir: string): Promise<VerifyReport> {
  const report: VerifyReport = { ok: true, files: [], unlisted: [], problems: [] };
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, MANIFEST), 'utf8'));
  } catch (err) {
    return { ...report, ok: false, problems: [`${MANIFEST}: ${errorMessage(err)}`] };
  }
  // A LangChain backup keeps its checksums under `vecflow`; the seed scripts' manifest has none.
  const lc = (manifest as unknown as LangchainManifest).vecflow?.files;
  const seed = !lc && (manifest.files as unknown[]).some((f) => typeof f === 'string');
  if (!lc && !seed) {
    try {
      parseManifest(manifest);
    } catch (err) {
      return { ...report, ok: false, problems: [errorMessage(err)] };
    }
  }
  if (seed)
    report.problems.push(`${MANIFEST} has no checksums (the seed scripts' manifest): files checked for presence only`);
  const entries = (lc ??
    (seed
      ? (manifest.files as unknown as string[]).map((name) => ({ name }))
      : manifest.files)) as Partial<ManifestFile>[];
  for (const f of entries) {
    const problems: string[] = [];
    if (typeof f.name !== 'string' || !BACKUP_FILE.test(f.name)) {
      report.problems.push(`${MANIFEST} lists a file that is not a plain name: ${JSON.stringify(f.name)}`);
      continue;
    }
    const file = path.join(dir, f.name);
    try {
      if (seed) {
        await parquetInfo(file);
        report.files.push({ name: f.name, ok: true, problems });
        continue;
      }
      const size = (await stat(file)).size;
      if (size !== f.bytes) problems.push(`size ${size}, manifest says ${f.bytes}`);
      const sha = await sha256File(file);
      if (sha !== f.sha256) problems.push(`sha256 ${sha}, manifest says ${f.sha256}`);
      else {
        const rows = (await parquetInfo(file)).rows;
        if (rows !== f.rows) problems.push(`${rows} rows, manifest says ${f.rows}`);
      }
    } catch (err) {
      problems.push((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : errorMessage(err));
    }
    report.files.push({ name: f.name, ok: problems.length === 0, problems });
  }
  const listed = new Set([MANIFEST, ...entries.map((f) => f.name)]);
  report.unlisted = (await readdir(dir)).filter((n) => n.endsWith('.parquet') && !listed.has(n));
  report.ok = report.problems.length === 0 && report.files.every((f) => f.ok);
  return report;
}

export function verifyActivities(ctx: ActivityContext) {
  const restore = restoreActivities(ctx);
  return {
    async verifyBackup(input: { id: string; from: BackupLocation }): Promise<VerifyReport> {
      if (input.from.dir) return verifyDir(backupDir(ctx.config, input.from.dir));
      // S3: the listing says what is there; the bytes are checked after download.
      const plan = await restore
        .planRestore({ id: input.id, from: input.from })
        .catch((err) => ({ error: errorMessage(err) }) as const);
      if ('error' in plan) return { ok: false, files: [], unlisted: [], problems: [plan.error] };
      try {
        return await verifyDir(plan.dir);
      } finally {
        if (plan.scratch) await rm(plan.dir, { recursive: true, force: true });
      }
    },

    /**
     * Deletes complete backups (those with a manifest) under `base` beyond the policy: keep the
     * last N and/or those younger than D days. Only backups this schedule wrote count (their
     * manifests carry its id; another schedule's backups in the same place are not touched).
     * A directory without a manifest is being written (or never finished) and is never
     * touched; neither is `current`.
     */
    async applyRetention(input: {
      base: BackupLocation;
      policy: RetentionPolicy;
      current: string;
      now: string;
      schedule_id?: string;
    }): Promise<string[]> {
      const { keep_last, max_age_days } = input.policy;
      if (keep_last === undefined && max_age_days === undefined) return [];
      const local = input.base.dir !== undefined ? backupDir(ctx.config, input.base.dir) : null;
      const s3 = input.base.s3 ? s3Store(ctx.config, input.base.s3) : null;
      const stamped = (n: string) => /^\d{8}_\d{6}$/.test(n) && n !== input.current;
      const owners = new Map<string, unknown>();
      if (local) {
        for (const e of await readdir(local, { withFileTypes: true }).catch(() => []))
          if (e.isDirectory() && stamped(e.name)) {
            const m = await readFile(path.join(local, e.name, MANIFEST), 'utf8').catch(() => null);
            if (m !== null) owners.set(e.name, scheduleOf(m));
          }
      }
      const s3Keys = s3 ? await s3.list('') : [];
      if (s3) {
        const scratch = await mkdtemp(path.join(os.tmpdir(), 'vecflow-retention-'));
        try {
          for (const b of s3Keys) {
            const [name, file, more] = b.key.split('/');
            if (file !== MANIFEST || more !== undefined || !stamped(name) || owners.has(name)) continue;
            await s3.get(b.key, path.join(scratch, name));
            owners.set(name, scheduleOf(await readFile(path.join(scratch, name), 'utf8')));
          }
        } finally {
          await rm(scratch, { recursive: true, force: true });
        }
      }
      const complete = new Set([...owners].filter(([, owner]) => owner === input.schedule_id).map(([n]) => n));
      const names = [...complete].sort().reverse();
      const cutoff =
        max_age_days === undefined ? null : backupStamp(new Date(Date.parse(input.now) - max_age_days * 86_400_000));
      // A backup stays when any rule keeps it (the current run counts as one of the last N).
      const doomed = names.filter(
        (n, i) => !((keep_last !== undefined && i < keep_last - 1) || (cutoff !== null && n >= cutoff)),
      );
      for (const name of doomed) {
        if (local) await rm(path.join(local, name), { recursive: true, force: true });
        if (s3) await s3.delete(s3Keys.filter((b) => b.key.startsWith(`${name}/`)).map((b) => b.key));
      }
      return doomed.sort();
    },
  };
}

/** The schedule a manifest says wrote its backup (undefined: none, or not readable as JSON). */
function scheduleOf(manifest: string): unknown {
  try {
    return (JSON.parse(manifest) as { schedule_id?: unknown }).schedule_id;
  } catch {
    return undefined;
  }
}
