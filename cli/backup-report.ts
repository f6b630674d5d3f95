import type { Json } from './api-client.js';

// What the CLI prints when a backup-family job ends (without --json): where its files are and
// the manifest's totals; a restore's or dry run's per-collection report; a verification's
// per-file result; one line per schedule.
type Location = { dir?: string; s3?: { bucket: string; prefix: string } };

export function where(location: Location | undefined): string {
  const parts = [];
  if (location?.dir !== undefined) parts.push(location.dir);
  if (location?.s3) parts.push(`s3://${location.s3.bucket}/${location.s3.prefix.replace(/^\/+/, '')}`);
  return parts.join(' and ') || '(no location)';
}

const table = (rows: (string | number)[][]) => {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => '  ' + r.map((c, i) => String(c).padEnd(widths[i])).join('  ')).join('\n');
};

const list = <T>(v: unknown) => (Array.isArray(v) ? (v as T[]) : []);

export function backupSummary(job: Json): string {
  const files = list<{ rows: number }>(job.files);
  const rows = files.reduce((n, f) => n + f.rows, 0);
  const collections = list<{ collection?: string; name?: string }>(job.collections).length;
  return `backup ${String(job.id)}: ${files.length} files + export_manifest.json, ${rows} rows of ${collections} collection(s) → ${where(job.location as Location)}`;
}

export function restoreSummary(job: Json): string {
  const r = job.langchain as
    | {
        layout?: string;
        cleared?: boolean;
        collections: { name: string; rows: number; dimension?: number; existing_rows?: number; restored: number }[];
        tables: { name: string; rows: number; restored: number }[];
        warnings: string[];
      }
    | undefined;
  const head = job.dry_run ? 'dry run — nothing was written. The restore would import:' : 'restored:';
  if (r)
    return [
      job.dry_run
        ? "dry run — nothing was written. What the restore would do, into LangChain's tables:"
        : `restored into LangChain's tables (${r.layout ?? 'no tables yet'})${r.cleared ? ', existing rows cleared first' : ''}:`,
      table([
        ['collection', 'rows in backup', 'dimension', 'rows in database', 'restored'],
        ...r.collections.map((c) => [c.name, c.rows, c.dimension ?? '-', c.existing_rows ?? '-', c.restored]),
        ...r.tables.map((t) => [`table ${t.name}`, t.rows, '-', '-', t.restored]),
      ]),
      ...r.warnings.map((w) => `warning: ${w}`),
    ].join('\n');
  const collections = list<{ collection: string; model: string; rows: number; rows_imported: number; restore: string }>(
    job.collections,
  );
  const files = list<{ name: string; rows: number }>(job.files);
  return [
    `${head} ${files.length} files, ${files.reduce((n, f) => n + f.rows, 0)} rows`,
    ...(collections.length
      ? [
          table([
            ['collection', 'model', 'rows in backup', job.dry_run ? 'would import' : 'imported'],
            ...collections.map((c) => [c.collection, c.model, c.rows, job.dry_run ? c.rows : c.rows_imported]),
          ]),
        ]
      : []),
    ...list<{ collection: string; problem: string }>(job.mismatches).map(
      (m) => `mismatch: ${m.collection}: ${m.problem}`,
    ),
  ].join('\n');
}

export function verifySummary(job: Json): string {
  const report = job.report as {
    ok: boolean;
    files: { name: string; ok: boolean; problems: string[] }[];
    unlisted: string[];
    problems: string[];
  } | null;
  if (!report) return `verify ${String(job.id)}: ${String(job.status)}${job.detail ? ` — ${String(job.detail)}` : ''}`;
  return [
    `verify ${String(job.id)}: ${report.ok ? 'every file matches the manifest' : 'PROBLEMS FOUND'}`,
    ...report.files.map((f) => `  ${f.ok ? 'ok  ' : 'BAD '} ${f.name}${f.ok ? '' : `: ${f.problems.join(', ')}`}`),
    ...report.unlisted.map((u) => `  not in the manifest: ${u}`),
    ...report.problems.map((p) => `  ${p}`),
  ].join('\n');
}

export function scheduleLine(s: Json): string {
  const input = (s.input ?? {}) as { base?: Location; retention?: { keep_last?: number; max_age_days?: number } };
  const when = s.cron ? `cron "${String(s.cron)}"` : s.interval ? `every ${String(s.interval)}` : 'calendar';
  const next = list<string>(s.next_runs)[0] ?? 'none';
  const keep = input.retention?.keep_last ? `, keep last ${input.retention.keep_last}` : '';
  const age = input.retention?.max_age_days ? `, keep ${input.retention.max_age_days} days` : '';
  return `${String(s.schedule_id)}  ${when}  → ${where(input.base)}  next ${next}${s.paused ? ' (paused)' : ''}${keep}${age}`;
}
