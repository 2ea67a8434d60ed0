import {
  ACTIVE_TASK_STATUSES,
  DISPATCHING_RUN_STATUSES,
  UNSUCCESSFUL_TASK_STATUSES,
  type TaskStatus,
} from '@multyagents/contracts';
import { sqlList, type Param, type Sql } from '../sql.js';

/** Same text as the partial index tasks_active (migration 003). */
const ACTIVE = sqlList(ACTIVE_TASK_STATUSES);
const DISPATCHING_RUNS = sqlList(DISPATCHING_RUN_STATUSES);
const UNSUCCESSFUL = sqlList(UNSUCCESSFUL_TASK_STATUSES);

export type TaskKind = 'step' | 'merge';

/** A tasks row as stored (JSON columns still text). */
export interface TaskRow {
  id: number;
  run_id: number | null;
  step_id: string | null;
  role_id: number;
  project_id: number | null;
  title: string;
  description: string | null;
  context7_mode: string;
  execution_mode: string;
  requires_approval: number;
  lock_paths: string;
  sandbox: string | null;
  quality_gate_policy: string | null;
  executor_params: string | null;
  depends_on: string;
  required_artifacts: string;
  retry_policy: string | null;
  timeout_seconds: number | null;
  time_to_start_seconds: number | null;
  status: TaskStatus;
  attempt: number;
  runner_id: number | null;
  retries_used: number;
  next_attempt_at: number | null;
  ready_since: number | null;
  dispatched_at: number | null;
  deadline_at: number | null;
  runner_unreachable_since: string | null;
  locks_released: number;
  resubmit_pending: number;
  deps_pending: number;
  exit_code: number | null;
  message: string | null;
  output_tail: string | null;
  failure_category: string | null;
  failure_step: string | null;
  failure_hints: string;
  suggested_actions: string;
  container_id: string | null;
  worktree_cleanup: string | null;
  /** `step`, or `merge` for the merge task an isolated-worktree run gets (migration 008). */
  kind: TaskKind;
  /** Standalone isolated-worktree tasks: their base, resolved at creation (run tasks use the run's). */
  base_branch: string | null;
  base_sha: string | null;
  /** The current result of an isolated-worktree task (JSON, from its terminal report). */
  worktree: string | null;
  /** The runner capability the scheduler last found missing (its event is recorded once). */
  blocked_capability: string | null;
  started_at: string | null;
  finished_at: string | null;
  created_at: string;
  updated_at: string;
}

export type NewTask = Pick<
  TaskRow,
  | 'run_id'
  | 'step_id'
  | 'role_id'
  | 'project_id'
  | 'title'
  | 'description'
  | 'context7_mode'
  | 'execution_mode'
  | 'requires_approval'
  | 'lock_paths'
  | 'sandbox'
  | 'quality_gate_policy'
  | 'executor_params'
  | 'depends_on'
  | 'required_artifacts'
  | 'retry_policy'
  | 'timeout_seconds'
  | 'time_to_start_seconds'
> &
  Partial<Pick<TaskRow, 'kind' | 'base_branch' | 'base_sha'>>;

const NEW_COLS: (keyof NewTask)[] = [
  'run_id',
  'step_id',
  'role_id',
  'project_id',
  'title',
  'description',
  'context7_mode',
  'execution_mode',
  'requires_approval',
  'lock_paths',
  'sandbox',
  'quality_gate_policy',
  'executor_params',
  'depends_on',
  'required_artifacts',
  'retry_policy',
  'timeout_seconds',
  'time_to_start_seconds',
];
const INSERT_SQL = `INSERT INTO tasks (${NEW_COLS.join(', ')}, kind, base_branch, base_sha, status, created_at, updated_at)
  VALUES (${NEW_COLS.map(() => '?').join(', ')}, ?, ?, ?, 'created', ?, ?)`;

export async function insertTask(sql: Sql, t: NewTask, nowIso: string): Promise<number> {
  const r = await sql.run(INSERT_SQL, [
    ...NEW_COLS.map((c) => t[c] as Param),
    t.kind ?? 'step',
    t.base_branch ?? null,
    t.base_sha ?? null,
    nowIso,
    nowIso,
  ]);
  return r.lastId;
}

export function getTaskRow(sql: Sql, id: number): Promise<TaskRow | undefined> {
  return sql.get<TaskRow>('SELECT * FROM tasks WHERE id = ?', [id]);
}

export function listTaskRowsByRun(sql: Sql, runId: number): Promise<TaskRow[]> {
  return sql.all<TaskRow>('SELECT * FROM tasks WHERE run_id = ? ORDER BY id', [runId]);
}

/** Task columns that services may set; names are our constants, never user input. */
export type TaskPatch = Partial<Omit<TaskRow, 'id' | 'created_at'>>;

export async function updateTask(sql: Sql, id: number, patch: TaskPatch, nowIso: string): Promise<void> {
  const keys = Object.keys(patch) as (keyof TaskPatch)[];
  const sets = keys.map((k) => `${k} = ?`).join(', ');
  await sql.run(`UPDATE tasks SET ${sets}${keys.length ? ', ' : ''}updated_at = ? WHERE id = ?`, [
    ...keys.map((k) => (patch[k] ?? null) as Param),
    nowIso,
    id,
  ]);
}

/**
 * Candidate tasks for dispatch: `created` tasks whose dependencies all succeeded (deps_pending = 0),
 * past their backoff, in active runs, oldest first. The partial index tasks_ready holds exactly these
 * rows, so the cost does not grow with finished runs or with blocked steps.
 */
export function listCreatedRunTasks(
  sql: Sql,
  limit: number,
  nowMs: number = Number.MAX_SAFE_INTEGER,
  afterId = 0,
): Promise<TaskRow[]> {
  // CROSS JOIN pins the join order (SQLite never reorders it): drive from the partial index
  // tasks_ready, already in id order, and stop at LIMIT. With a plain JOIN the planner started from
  // workflow_runs by status and read every task of every active run, then sorted them (measured:
  // 15% of the API's CPU with 300 active runs).
  return sql.all<TaskRow>(
    `SELECT t.* FROM tasks t CROSS JOIN workflow_runs r
      WHERE t.status = 'created' AND t.deps_pending = 0 AND (t.next_attempt_at IS NULL OR t.next_attempt_at <= ?)
        AND t.id > ? AND r.id = t.run_id AND r.status IN ${DISPATCHING_RUNS}
      ORDER BY t.id LIMIT +?`,
    [nowMs, afterId, limit],
  );
}

/** Wire dependencies: one row per edge and the counter of unfinished ones. */
export async function setDependencies(
  sql: Sql,
  taskId: number,
  deps: readonly number[],
  nowIso: string,
): Promise<void> {
  for (const d of deps)
    await sql.run('INSERT OR IGNORE INTO task_deps (depends_on, task_id) VALUES (?, ?)', [d, taskId]);
  const pending = await sql.get<{ n: number }>(
    `SELECT COUNT(*) AS n FROM task_deps d JOIN tasks p ON p.id = d.depends_on WHERE d.task_id = ? AND p.status != 'success'`,
    [taskId],
  );
  await sql.run('UPDATE tasks SET depends_on = ?, deps_pending = ?, updated_at = ? WHERE id = ?', [
    JSON.stringify(deps),
    pending?.n ?? 0,
    nowIso,
    taskId,
  ]);
}

/** A task succeeded (once: success is absorbing): its dependents have one dependency fewer to wait for. */
export async function releaseDependents(sql: Sql, taskId: number): Promise<number> {
  const r = await sql.run(
    'UPDATE tasks SET deps_pending = deps_pending - 1 WHERE id IN (SELECT task_id FROM task_deps WHERE depends_on = ?) AND deps_pending > 0',
    [taskId],
  );
  return r.changes;
}

/** What deriving a run's status needs, aggregated by SQLite (a fan-out run re-derives at every child's end). */
export async function runTaskCounts(
  sql: Sql,
  runId: number,
): Promise<{ total: number; succeeded: number; unsuccessful: number; started: boolean }> {
  const r = await sql.get<{
    total: number;
    succeeded: number | null;
    unsuccessful: number | null;
    started: number | null;
  }>(
    `SELECT COUNT(*) AS total, SUM(status = 'success') AS succeeded,
            SUM(status IN ${UNSUCCESSFUL}) AS unsuccessful, MAX(attempt > 0) AS started
       FROM tasks WHERE run_id = ?`,
    [runId],
  );
  return {
    total: r?.total ?? 0,
    succeeded: r?.succeeded ?? 0,
    unsuccessful: r?.unsuccessful ?? 0,
    started: (r?.started ?? 0) > 0,
  };
}

/** Active tasks (dispatched/queued/running/cancel-requested). */
export function listActiveTaskRows(sql: Sql): Promise<TaskRow[]> {
  return sql.all<TaskRow>(`SELECT * FROM tasks WHERE status IN ${ACTIVE} ORDER BY id`);
}

export function listTasksNeedingResubmit(sql: Sql): Promise<TaskRow[]> {
  return sql.all<TaskRow>('SELECT * FROM tasks WHERE resubmit_pending = 1 ORDER BY id');
}

export function statusesOf(sql: Sql, ids: readonly number[]): Promise<{ id: number; status: TaskStatus }[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return sql.all(`SELECT id, status FROM tasks WHERE id IN (${ids.map(() => '?').join(',')})`, [...ids]);
}

/** Lock paths held by active tasks other than `exceptId` (locks are held while a task is active). */
export function activeLockPaths(sql: Sql, exceptId: number): Promise<{ id: number; lock_paths: string }[]> {
  return sql.all(
    `SELECT id, lock_paths FROM tasks
      WHERE status IN ${ACTIVE} AND locks_released = 0
        AND lock_paths != '[]' AND id != ?`,
    [exceptId],
  );
}

/** Step ids of the given tasks of one run (for required-artifact checks). */
export function stepIdsOf(
  sql: Sql,
  runId: number,
  ids: readonly number[],
): Promise<{ id: number; step_id: string }[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return sql.all(
    `SELECT id, step_id FROM tasks WHERE run_id = ? AND id IN (${ids.map(() => '?').join(',')})`,
    [runId, ...ids],
  );
}

/** Waiting for a runner restarts from zero after a pause: time spent paused is not time-to-start. */
export async function resetReadySince(sql: Sql, runId: number): Promise<void> {
  await sql.run(
    `UPDATE tasks SET ready_since = NULL WHERE run_id = ? AND status = 'created' AND ready_since IS NOT NULL`,
    [runId],
  );
}

/**
 * Time-to-start counts only while no runner is reachable: mark the ready tasks that start waiting now.
 * One statement over the tasks_ready partial index.
 */
export async function markWaitingSince(sql: Sql, nowMs: number): Promise<number> {
  const r = await sql.run(
    `UPDATE tasks SET ready_since = ?
      WHERE status = 'created' AND deps_pending = 0 AND ready_since IS NULL
        AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
        AND run_id IN (SELECT id FROM workflow_runs WHERE status IN ${DISPATCHING_RUNS})`,
    [nowMs, nowMs],
  );
  return r.changes;
}

/** A runner is reachable again: nobody is waiting for one any more. */
export async function clearWaitingSince(sql: Sql): Promise<number> {
  const r = await sql.run(
    `UPDATE tasks SET ready_since = NULL WHERE ready_since IS NOT NULL AND status = 'created'`,
  );
  return r.changes;
}

/**
 * Tasks that have waited for a runner longer than their time-to-start (`defaultS` when they have
 * none) at `nowMs`. The limit is checked in SQL: a backlog that is still within its limits costs an
 * index walk, not a full row per waiting task every sweep.
 */
export function tasksWaitingSince(sql: Sql, nowMs: number, defaultS: number): Promise<TaskRow[]> {
  return sql.all<TaskRow>(
    `SELECT * FROM tasks WHERE ready_since IS NOT NULL AND status = 'created'
       AND ready_since + COALESCE(time_to_start_seconds, ?) * 1000 < ? ORDER BY id LIMIT 1000`,
    [defaultS, nowMs],
  );
}
