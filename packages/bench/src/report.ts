import type { Summary } from './stats.js';

/** One line of the printed table. */
export interface Row {
  id: string;
  metric: string;
  value: string;
  /** value / floor (see Floors), or another named ratio; '' when none applies. */
  ratio: string;
  goal: string;
}

export type MetricStatus = 'ok' | 'skipped' | 'failed';

export interface MetricResult {
  id: string;
  title: string;
  status: MetricStatus;
  /** Why it was skipped or failed (always set unless ok). */
  reason?: string;
  rows: Row[];
  data: Record<string, unknown>;
}

export interface Floors {
  loopback_http_rtt_ms: Summary;
  sqlite_commit_full_ms: Summary;
  sqlite_commit_normal_ms: Summary;
  /** p50 RTT + p50 FULL commit: the least one acknowledged, durable request can cost. */
  request_floor_ms: number;
}

export const ms = (x: number | null | undefined, digits = 2): string =>
  x == null || !Number.isFinite(x) ? '-' : `${x.toFixed(digits)} ms`;

export const pct = (s: Summary, digits = 2): string =>
  `p50 ${s.p50.toFixed(digits)} / p95 ${s.p95.toFixed(digits)} / p99 ${s.p99.toFixed(digits)} ms`;

export const xFloor = (value: number | null | undefined, floor: number): string =>
  value == null || !Number.isFinite(value) || !floor ? '' : `${(value / floor).toFixed(1)}× floor`;

export function skipped(
  id: string,
  title: string,
  reason: string,
  status: MetricStatus = 'skipped',
): MetricResult {
  return {
    id,
    title,
    status,
    reason,
    rows: [{ id, metric: title, value: status.toUpperCase(), ratio: '', goal: reason }],
    data: {},
  };
}

/** A fixed-width text table (no colours: it goes to logs and CI output). */
export function formatTable(rows: Row[]): string {
  const head: Row = { id: 'id', metric: 'metric', value: 'value', ratio: 'ratio', goal: 'goal / note' };
  const all = [head, ...rows];
  const keys: (keyof Row)[] = ['id', 'metric', 'value', 'ratio', 'goal'];
  const width = keys.map((k) => Math.max(...all.map((r) => r[k].length)));
  const line = (r: Row) =>
    keys
      .map((k, i) => r[k].padEnd(width[i]))
      .join(' | ')
      .trimEnd();
  const sep = width.map((w) => '-'.repeat(w)).join('-+-');
  return [line(head), sep, ...rows.map(line)].join('\n');
}
