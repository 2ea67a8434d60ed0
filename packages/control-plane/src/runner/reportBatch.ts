import type { OutboxRow } from './journal.js';

/** Reports per `POST /runner/reports` request (the API accepts up to 500). */
export const REPORTS_PER_REQUEST = 100;

export type Send =
  { kind: 'single'; row: OutboxRow } | { kind: 'batch'; url: string; token: string; rows: OutboxRow[] };

/**
 * The API's batch endpoint for a report, from its callback URL `<base>/runner/tasks/<id>/status`
 * (`<base>/runner/reports`); null when the URL has another shape (then it is only ever sent alone).
 */
export function batchUrlOf(url: string, taskId: number): string | null {
  const m = /^(.*)\/runner\/tasks\/(\d+)\/status$/.exec(url);
  return m && Number(m[2]) === taskId ? `${m[1]}/runner/reports` : null;
}

/**
 * Requests for the reports due now, in order: reports to the same batch endpoint with the same token
 * go together, at most `perRequest` at a time; a report alone in its group, or whose API has no batch
 * endpoint (`noBatch`), goes to its own callback URL exactly as before.
 */
export function planSends(
  rows: OutboxRow[],
  noBatch: ReadonlySet<string>,
  perRequest = REPORTS_PER_REQUEST,
): Send[] {
  const groups = new Map<string, { url: string; token: string; rows: OutboxRow[] }>();
  const sends: Send[] = [];
  for (const row of rows) {
    const url = batchUrlOf(row.url, row.task_id);
    if (url === null || noBatch.has(url)) {
      sends.push({ kind: 'single', row });
      continue;
    }
    const k = `${url} ${row.token}`;
    let g = groups.get(k);
    if (!g || g.rows.length >= perRequest) {
      g = { url, token: row.token, rows: [] };
      groups.set(k, g);
      sends.push({ kind: 'batch', ...g, rows: g.rows });
    }
    g.rows.push(row);
  }
  return sends.map((s) =>
    s.kind === 'batch' && s.rows.length === 1 ? { kind: 'single', row: s.rows[0]! } : s,
  );
}
