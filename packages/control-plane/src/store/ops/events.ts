import type { Sql } from '../sql.js';
import { json, parseJson } from '../sql.js';

export interface EventRow {
  id: number;
  /** The first version's envelope field; every event we write speaks contract v1. */
  contract_version: 'v1';
  event_type: string;
  run_id: number | null;
  task_id: number | null;
  producer_role: string;
  payload: Record<string, unknown>;
  created_at: string;
}

export interface NewEvent {
  event_type: string;
  run_id?: number | null;
  task_id?: number | null;
  producer_role?: string;
  payload?: Record<string, unknown>;
}

/** Audit events are written in the same transaction as the change they describe. */
export async function insertEvent(sql: Sql, e: NewEvent, nowIso: string): Promise<number> {
  const r = await sql.run(
    'INSERT INTO events (event_type, run_id, task_id, producer_role, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    [
      e.event_type,
      e.run_id ?? null,
      e.task_id ?? null,
      e.producer_role ?? 'control-plane',
      json(e.payload ?? {}),
      nowIso,
    ],
  );
  return r.lastId;
}

export interface EventFilter {
  run_id?: number;
  task_id?: number;
  event_type?: string;
  after_id?: number;
  limit?: number;
}

/** WHERE clauses and their parameters, one per filter that is set (listEvents and the stream's catch-up). */
function conditions(filters: Array<[clause: string, value: string | number | undefined]>) {
  const set = filters.filter((x): x is [string, string | number] => x[1] !== undefined);
  return { where: set.map(([c]) => c), params: set.map(([, v]) => v) };
}

export async function listEvents(sql: Sql, f: EventFilter): Promise<EventRow[]> {
  const { where, params } = conditions([
    ['run_id = ?', f.run_id],
    ['task_id = ?', f.task_id],
    ['event_type = ?', f.event_type],
    ['id > ?', f.after_id],
  ]);
  const limit = f.limit ?? 1000;
  const rows = await sql.all<Omit<EventRow, 'payload' | 'contract_version'> & { payload: string }>(
    lastOrPage('events', where, f.after_id !== undefined),
    [...params, limit],
  );
  return rows.map(({ id, ...r }) => ({
    id,
    contract_version: 'v1',
    ...r,
    payload: parseJson(r.payload, {}),
  }));
}

/**
 * v1's `limit`: the LAST N matches in insertion order. With `after_id` (our paging cursor) the first N
 * after it, so that a reader walking the log page by page never skips any.
 */
export function lastOrPage(table: string, where: string[], paging: boolean): string {
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  return paging
    ? `SELECT * FROM ${table} ${w} ORDER BY id ASC LIMIT +?`
    : `SELECT * FROM (SELECT * FROM ${table} ${w} ORDER BY id DESC LIMIT +?) ORDER BY id ASC`;
}

export interface StreamFilter {
  run_id?: number;
  task_id?: number;
  /** Events whose type starts with this (e.g. `task.` or `workflow_run.merged`). */
  type_prefix?: string;
}

/** Escape LIKE's wildcards so a prefix matches literally. */
function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Events with id > `afterId` matching `f`, oldest first, at most `limit` (the stream's catch-up). */
export async function eventsAfter(sql: Sql, afterId: number, limit: number, f: StreamFilter = {}) {
  const { where, params } = conditions([
    ['id > ?', afterId],
    ['run_id = ?', f.run_id],
    ['task_id = ?', f.task_id],
    ["event_type LIKE ? ESCAPE '\\'", f.type_prefix ? likePrefix(f.type_prefix) : undefined],
  ]);
  const rows = await sql.all<Omit<EventRow, 'payload' | 'contract_version'> & { payload: string }>(
    `SELECT id, event_type, run_id, task_id, producer_role, payload, created_at FROM events
      WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`,
    [...params, limit],
  );
  return rows;
}

/** The newest event id (0 when there is none). */
export async function maxEventId(sql: Sql): Promise<number> {
  const r = await sql.get<{ id: number | null }>('SELECT MAX(id) AS id FROM events');
  return r?.id ?? 0;
}
