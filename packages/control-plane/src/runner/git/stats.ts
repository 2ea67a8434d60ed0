import { gitOk } from './exec.js';
import type { GitCtx } from './types.js';

export const MAX_FILES = 1000;

export interface DiffStats {
  files_changed: number;
  insertions: number;
  deletions: number;
  /** Changed paths, at most MAX_FILES. */
  files: string[];
}

/** `git diff --numstat` between two commits (renames as delete + add; binary files count 0 lines). */
export async function diffStats(ctx: GitCtx, cwd: string, from: string, to: string): Promise<DiffStats> {
  const stats: DiffStats = { files_changed: 0, insertions: 0, deletions: 0, files: [] };
  if (from === to) return stats;
  const out = await gitOk(ctx, ['diff', '--numstat', '-z', '--no-renames', '--no-ext-diff', from, to], {
    cwd,
  });
  for (const rec of out.split('\0')) {
    const m = /^(\d+|-)\t(\d+|-)\t(.*)$/s.exec(rec);
    if (!m) continue;
    stats.files_changed++;
    if (m[1] !== '-') stats.insertions += Number(m[1]);
    if (m[2] !== '-') stats.deletions += Number(m[2]);
    if (stats.files.length < MAX_FILES) stats.files.push(m[3]);
  }
  return stats;
}
