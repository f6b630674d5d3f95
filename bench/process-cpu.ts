import { readFileSync, readdirSync } from 'node:fs';

// CPU time per process of a process tree (Linux /proc): which process a figure is bound by —
// on two cores, the client, the API, the worker that owns the store and Temporal share them.
const TICKS = 100; // USER_HZ on Linux

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) =>
      readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

function tree(root: number): number[] {
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...childrenOf(out[i]));
  return out;
}

/** A short role for a vecflow process, from its command line. */
function role(pid: number): string | null {
  let cmd: string;
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return null;
  }
  if (/worker\/main/.test(cmd)) return 'worker';
  if (/worker\/store-main/.test(cmd)) return 'store';
  if (/api\/main/.test(cmd)) return 'api';
  if (/temporal\b.*server/.test(cmd)) return 'temporal';
  if (/cli\/main\.ts start/.test(cmd)) return 'supervisor';
  return null;
}

function cpuSeconds(pid: number): number {
  try {
    // Fields after the parenthesised name: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

function snapshot(root: number): Map<string, number> {
  const by = new Map<string, number>();
  for (const pid of tree(root)) {
    const r = role(pid);
    if (r) by.set(r, (by.get(r) ?? 0) + cpuSeconds(pid));
  }
  const self = process.cpuUsage();
  by.set('client', (self.user + self.system) / 1e6);
  return by;
}

/**
 * Starts counting; `report()` gives each process's CPU since then, as % of one core — or, given
 * how many units of work were done, in CPU milliseconds per unit.
 */
export function processCpu(root: number): { report(units?: number): string } {
  const before = snapshot(root);
  const t = performance.now();
  return {
    report(units?: number) {
      const wall = (performance.now() - t) / 1000;
      const after = snapshot(root);
      const used = [...after].map(([r, s]) => [r, s - (before.get(r) ?? 0)] as const);
      const total = used.reduce((n, [, s]) => n + s, 0);
      const shown = used
        .filter(([, s]) => s / wall >= 0.01)
        .sort((a, b) => b[1] - a[1])
        .map(([r, s]) => (units ? `${r} ${Math.round((s * 1000) / units)}` : `${r} ${Math.round((s / wall) * 100)}%`));
      return (units ? [...shown, `total ${Math.round((total * 1000) / units)}`] : shown).join(', ');
    },
  };
}
