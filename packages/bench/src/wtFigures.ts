import type { Summary } from './stats.js';

/**
 * Small pure helpers of B10–B12: clocks compared across processes, ratios to a baseline, byte counts.
 */

/** Wall-clock ms with sub-ms precision, comparable to `date +%s%N` written by another process. */
export const wallNowMs = (): number => performance.timeOrigin + performance.now();

/** `date +%s%N` output (ns since the epoch) as ms, without losing precision in a double first. */
export function nsTextToMs(text: string): number {
  const t = text.trim();
  if (!/^\d{10,20}$/.test(t)) throw new Error(`not a ns timestamp: ${JSON.stringify(t.slice(0, 40))}`);
  const ns = BigInt(t);
  return Number(ns / 1_000_000n) + Number(ns % 1_000_000n) / 1e6;
}

/** `p50 1.05× / p99 0.98×` of `x` against `base`; '' when a side is missing. */
export function ratioText(x: Summary, base: Summary): string {
  const r = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN);
  const p50 = r(x.p50, base.p50);
  const p99 = r(x.p99, base.p99);
  if (!Number.isFinite(p50) || !Number.isFinite(p99)) return '';
  const d = x.p50 - base.p50;
  return `p50 ${p50.toFixed(2)}× (${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(0)} ms) / p99 ${p99.toFixed(2)}×`;
}

/** Bytes as MB with one decimal (MiB would confuse; `du` users compare with -B1 or --si). */
export const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export interface DiskFigures {
  worktrees: number;
  /** Bytes of the worktrees dir after the runs. */
  dir_bytes: number;
  per_worktree_bytes: number | null;
  git_before_bytes: number;
  git_after_bytes: number;
  git_growth_bytes: number;
  git_growth_per_run_bytes: number | null;
}

/** Derived disk figures of B12 from what was measured (pure). */
export function diskFigures(m: {
  runs: number;
  worktrees: number;
  dirBytes: number;
  emptyDirBytes: number;
  gitBefore: number;
  gitAfter: number;
}): DiskFigures {
  const growth = m.gitAfter - m.gitBefore;
  return {
    worktrees: m.worktrees,
    dir_bytes: m.dirBytes,
    per_worktree_bytes: m.worktrees > 0 ? Math.round((m.dirBytes - m.emptyDirBytes) / m.worktrees) : null,
    git_before_bytes: m.gitBefore,
    git_after_bytes: m.gitAfter,
    git_growth_bytes: growth,
    git_growth_per_run_bytes: m.runs > 0 ? Math.round(growth / m.runs) : null,
  };
}
