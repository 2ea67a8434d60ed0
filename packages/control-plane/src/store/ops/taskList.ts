import { ACTIVE_TASK_STATUSES, TERMINAL_TASK_STATUSES, type TaskStatus } from '@multyagents/contracts';
import { sqlList, type Sql } from '../sql.js';
import { whereAll } from './keyset.js';
import type { TaskRow } from './tasks.js';

/** `GET /tasks` filters (exact values); `before_id` is the keyset cursor, not a filter. */
export interface TaskFilter {
  run_id?: number;
  status?: string;
  runner_id?: number;
  step_id?: string;
}

/** Same texts as the partial indexes tasks_active (migration 003) and tasks_terminal (012). */
const ACTIVE = `status IN ${sqlList(ACTIVE_TASK_STATUSES)}`;
const TERMINAL = `status IN ${sqlList(TERMINAL_TASK_STATUSES)}`;

/**
 * A status filter also states the partial index its value falls in: SQLite uses a partial index only
 * when the query's WHERE contains the index's own; `created` has none (migration 012 says why).
 */
function statusIndexTerm(status: string | undefined): string | undefined {
  if (status === undefined) return undefined;
  if (ACTIVE_TASK_STATUSES.includes(status as TaskStatus)) return ACTIVE;
  if (TERMINAL_TASK_STATUSES.includes(status as TaskStatus)) return TERMINAL;
  return undefined;
}

function taskWhere(f: TaskFilter, beforeId?: number, fromId?: number) {
  const indexTerm = statusIndexTerm(f.status);
  return whereAll(
    [
      ['run_id = ?', f.run_id],
      ['status = ?', f.status],
      ['runner_id = ?', f.runner_id],
      ['step_id = ?', f.step_id],
      ['id < ?', beforeId],
      ['id >= ?', fromId],
    ],
    indexTerm ? [indexTerm] : [],
  );
}

/**
 * One newest-first page. Every filter but `status = 'created'` has an index ending in `id` (tasks_run;
 * tasks_active; tasks_terminal, tasks_runner, tasks_step of migration 012), so the page is an index
 * range walked backwards from `before_id`, whatever the table holds.
 */
export function listTaskPage(
  sql: Sql,
  f: TaskFilter,
  beforeId: number | undefined,
  limit: number,
): Promise<TaskRow[]> {
  const w = taskWhere(f, beforeId);
  return sql.all<TaskRow>(`SELECT * FROM tasks ${w.where} ORDER BY id DESC LIMIT +?`, [...w.params, limit]);
}

/** How many tasks match the filters (`x-total-count`): a COUNT over the same indexes. */
export async function countTasks(sql: Sql, f: TaskFilter): Promise<number> {
  const w = taskWhere(f);
  return (await sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM tasks ${w.where}`, w.params))?.n ?? 0;
}

/**
 * Where the page before `beforeId` stands: how many matching tasks are newer, and the newer page's
 * cursor (the `limit + 1`-th smallest matching id from `beforeId` up; null when the newer page is the
 * newest). As store/ops/runs.ts `runsNewerThanPage`, over the same indexes walked forwards.
 */
export async function tasksNewerThanPage(
  sql: Sql,
  f: TaskFilter,
  beforeId: number,
  limit: number,
): Promise<{ offset: number; prevBeforeId: number | null }> {
  const w = taskWhere(f, undefined, beforeId);
  const n = await sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM tasks ${w.where}`, w.params);
  const prev = await sql.get<{ id: number }>(
    `SELECT id FROM tasks ${w.where} ORDER BY id LIMIT 1 OFFSET +?`,
    [...w.params, limit],
  );
  return { offset: n?.n ?? 0, prevBeforeId: prev?.id ?? null };
}
