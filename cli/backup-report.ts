import type { LangchainBackupState } from '../workflows/langchain/backup.js';
import type { LangchainRestoreReport } from '../workflows/langchain/restore.js';

// What the CLI prints when a backup or restore ends (without --json): where the files went,
// and for a restore into LangChain's tables the per-collection report (a dry run's is the point).
type Location = { dir?: string; s3?: { bucket: string; prefix: string } };

function where(location: Location | undefined): string {
  const parts = [];
  if (location?.dir !== undefined) parts.push(`${location.dir || '.'} (under the backup root)`);
  if (location?.s3) parts.push(`s3://${location.s3.bucket}/${location.s3.prefix}`);
  return parts.join(' and ');
}

const table = (rows: (string | number)[][]) => {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => '  ' + r.map((c, i) => String(c).padEnd(widths[i])).join('  ')).join('\n');
};

export function backupSummary(state: Partial<LangchainBackupState> & { location?: Location }): string {
  const files = state.files ?? [];
  const rows = files.reduce((n, f) => n + f.rows, 0);
  return `wrote ${files.length} files + export_manifest.json (${rows} rows) to ${where(state.location)}`;
}

export function restoreSummary(state: { dry_run?: boolean; langchain?: LangchainRestoreReport }): string | null {
  const r = state.langchain;
  if (!r) return null;
  const lines = [
    state.dry_run
      ? "dry run — nothing was written. What the restore would do, into LangChain's tables:"
      : `restored into LangChain's tables (${r.layout ?? 'no tables yet'})${r.cleared ? ', existing rows cleared first' : ''}:`,
    table([
      ['collection', 'rows in backup', 'dimension', 'rows in database', 'restored'],
      ...r.collections.map((c) => [c.name, c.rows, c.dimension ?? '-', c.existing_rows ?? '-', c.restored]),
      ...r.tables.map((t) => [`table ${t.name}`, t.rows, '-', '-', t.restored]),
    ]),
    ...r.warnings.map((w) => `warning: ${w}`),
  ];
  return lines.join('\n');
}
