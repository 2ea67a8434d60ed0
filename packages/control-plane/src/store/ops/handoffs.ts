import type { Handoff } from '@multyagents/contracts';
import type { Param, Sql } from '../sql.js';
import { parseJson } from '../sql.js';
import { lastOrPage } from './events.js';

/** A `handoffs` row as stored (JSON columns as text). */
export interface HandoffRow {
  id: number;
  task_id: number;
  run_id: number | null;
  attempt: number;
  summary: string;
  details: string | null;
  next_actions: string;
  open_questions: string;
  artifacts: string;
  created_at: string;
}

/** Row → wire object; exported so the runner-callback and task code read handoffs the same way. */
export function toHandoff(r: HandoffRow): Handoff {
  return {
    id: r.id,
    task_id: r.task_id,
    run_id: r.run_id,
    attempt: r.attempt,
    summary: r.summary,
    details: r.details,
    next_actions: parseJson<string[]>(r.next_actions, []),
    open_questions: parseJson<string[]>(r.open_questions, []),
    artifacts: parseJson<Handoff['artifacts']>(r.artifacts, []),
    created_at: r.created_at,
    updated_at: r.created_at,
  };
}

export interface HandoffFilter {
  run_id?: number;
  task_id?: number;
  /** v1: the last N (by `updated_at`, which is insertion order here: handoffs are never changed). */
  limit?: number;
}

export async function listHandoffs(sql: Sql, f: HandoffFilter): Promise<Handoff[]> {
  const where: string[] = [];
  const params: Param[] = [];
  if (f.run_id !== undefined) {
    where.push('run_id = ?');
    params.push(f.run_id);
  }
  if (f.task_id !== undefined) {
    where.push('task_id = ?');
    params.push(f.task_id);
  }
  const rows = await sql.all<HandoffRow>(lastOrPage('handoffs', where, false), [
    ...params,
    f.limit ?? 1_000_000,
  ]);
  return rows.map(toHandoff);
}

/** The newest handoff of a task (the one its latest terminal attempt left), if any. */
export async function latestHandoff(sql: Sql, taskId: number): Promise<Handoff | undefined> {
  const r = await sql.get<HandoffRow>('SELECT * FROM handoffs WHERE task_id = ? ORDER BY id DESC LIMIT 1', [
    taskId,
  ]);
  return r && toHandoff(r);
}

export type NewHandoff = Omit<Handoff, 'id' | 'created_at' | 'updated_at'>;

export async function insertHandoff(sql: Sql, h: NewHandoff, nowIso: string): Promise<number> {
  const r = await sql.run(
    `INSERT INTO handoffs (task_id, run_id, attempt, summary, details, next_actions, open_questions, artifacts, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      h.task_id,
      h.run_id,
      h.attempt,
      h.summary,
      h.details ?? null,
      JSON.stringify(h.next_actions),
      JSON.stringify(h.open_questions),
      JSON.stringify(h.artifacts),
      nowIso,
    ],
  );
  return r.lastId;
}

/** A partial rerun starts a task over: the handoff its earlier attempts left no longer stands. */
export async function deleteHandoffsOfTask(sql: Sql, taskId: number): Promise<number> {
  const r = await sql.run('DELETE FROM handoffs WHERE task_id = ?', [taskId]);
  return r.changes;
}
