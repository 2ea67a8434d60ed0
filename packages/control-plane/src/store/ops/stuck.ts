/**
 * What `GET /tasks/stuck` reads (services/stuck.ts decides). Each query starts from a small, indexed
 * set — the ready tasks (partial index tasks_ready), the active ones (tasks_active), the undelivered
 * cancels (pending_cancels, a handful of rows) — and reaches the rest by primary key or by an index
 * on the task, so its cost follows the work in flight, not the store's history.
 */
import { ACTIVE_TASK_STATUSES, DISPATCHING_RUN_STATUSES } from '@multyagents/contracts';
import { sqlList, type Sql } from '../sql.js';

/** Same text as the partial index tasks_active (migration 003). */
const ACTIVE = sqlList(ACTIVE_TASK_STATUSES);
const DISPATCHING_RUNS = sqlList(DISPATCHING_RUN_STATUSES);

/** Runner-originated events that count as a sign of life of a running attempt. */
export const PROGRESS_EVENTS = [
  'task.runner_status_updated',
  'task.session_resumed',
  'artifact.created',
  'handoff.created',
] as const;

export interface ReadyCandidate {
  id: number;
  attempt: number;
  created_at: string;
  next_attempt_at: number | null;
  blocked_capability: string | null;
  requires_approval: number;
  run_updated_at: string;
  /** When the last dependency finished (null: no dependencies). */
  deps_done_at: string | null;
  approval_status: string | null;
  approval_decided_at: string | null;
  /** When the previous attempt ended (a retry or a rerun waits from then). */
  attempt_finished_at: string | null;
}

/**
 * Ready tasks (created, dependencies done, backoff over, run dispatching), oldest id first, at most
 * `limit`. The same drive as the scheduler's `listCreatedRunTasks` (CROSS JOIN from tasks_ready).
 */
export function readyCandidates(sql: Sql, nowMs: number, limit: number): Promise<ReadyCandidate[]> {
  return sql.all<ReadyCandidate>(
    `SELECT t.id, t.attempt, t.created_at, t.next_attempt_at, t.blocked_capability, t.requires_approval,
            r.updated_at AS run_updated_at,
            (SELECT MAX(p.finished_at) FROM task_deps d JOIN tasks p ON p.id = d.depends_on
              WHERE d.task_id = t.id) AS deps_done_at,
            (SELECT a.status FROM approvals a WHERE a.task_id = t.id) AS approval_status,
            (SELECT a.decided_at FROM approvals a WHERE a.task_id = t.id) AS approval_decided_at,
            (SELECT at.finished_at FROM attempts at WHERE at.task_id = t.id AND at.attempt = t.attempt)
              AS attempt_finished_at
       FROM tasks t CROSS JOIN workflow_runs r
      WHERE t.status = 'created' AND t.deps_pending = 0 AND (t.next_attempt_at IS NULL OR t.next_attempt_at <= ?)
        AND r.id = t.run_id AND r.status IN ${DISPATCHING_RUNS}
      ORDER BY t.id LIMIT +?`,
    [nowMs, limit],
  );
}

export interface ActiveCandidate {
  id: number;
  status: string;
  attempt: number;
  runner_id: number | null;
  dispatched_at: number | null;
  started_at: string | null;
  updated_at: string;
  attempt_started_at: string | null;
  /** The newest output chunk of the current attempt. */
  last_log_at: string | null;
  /** The newest runner-originated event of the task (PROGRESS_EVENTS). */
  last_report_at: string | null;
}

/** Every active task (bounded by the fleet's capacity) with its latest signs of life. */
export function activeCandidates(sql: Sql): Promise<ActiveCandidate[]> {
  return sql.all<ActiveCandidate>(
    `SELECT t.id, t.status, t.attempt, t.runner_id, t.dispatched_at, t.started_at, t.updated_at,
            (SELECT a.started_at FROM attempts a WHERE a.task_id = t.id AND a.attempt = t.attempt)
              AS attempt_started_at,
            (SELECT l.created_at FROM task_logs l WHERE l.task_id = t.id AND l.attempt = t.attempt
              ORDER BY l.seq DESC LIMIT 1) AS last_log_at,
            (SELECT e.created_at FROM events e WHERE e.task_id = t.id AND e.event_type IN ${sqlList(PROGRESS_EVENTS)}
              ORDER BY e.id DESC LIMIT 1) AS last_report_at
       FROM tasks t WHERE t.status IN ${ACTIVE} ORDER BY t.id`,
  );
}

export interface UndeliveredCancel {
  task_id: number;
  attempt: number;
  runner_id: number;
  created_at: string;
}

/** Cancels not yet delivered to their runner (pending_cancels holds only those: a short table). */
export function undeliveredCancels(sql: Sql): Promise<UndeliveredCancel[]> {
  return sql.all<UndeliveredCancel>(
    'SELECT task_id, attempt, runner_id, created_at FROM pending_cancels ORDER BY created_at, task_id',
  );
}

/** The payload of the task's latest `task.dispatch_blocked` event (why the scheduler leaves it ready). */
export async function lastDispatchBlocked(sql: Sql, taskId: number): Promise<Record<string, unknown> | null> {
  const row = await sql.get<{ payload: string }>(
    `SELECT payload FROM events WHERE task_id = ? AND event_type = 'task.dispatch_blocked' ORDER BY id DESC LIMIT 1`,
    [taskId],
  );
  if (!row) return null;
  try {
    return JSON.parse(row.payload) as Record<string, unknown>;
  } catch {
    return null;
  }
}
