import { LIVE_ATTEMPT_STATUSES, type AttemptStatus } from '@multyagents/contracts';
import { sqlList, type Sql } from '../sql.js';

/** Same text as the partial index attempts_live (migration 001). */
const LIVE = sqlList(LIVE_ATTEMPT_STATUSES);

export interface AttemptRow {
  task_id: number;
  attempt: number;
  runner_id: number | null;
  runner_url: string | null;
  status: AttemptStatus;
  created_at: string;
  submitted_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  exit_code: number | null;
  failure_category: string | null;
  message: string | null;
  /** The agent's session (claude session_id, codex thread_id), from the terminal report. */
  session_id: string | null;
  /** AgentSummary as JSON, from the terminal report. */
  agent: string | null;
  /** ReportedWorktree as JSON, from the terminal report of an isolated-worktree attempt. */
  worktree: string | null;
}

export async function insertAttempt(
  sql: Sql,
  a: { task_id: number; attempt: number; runner_id: number | null; runner_url: string | null },
  nowIso: string,
): Promise<void> {
  await sql.run(
    `INSERT INTO attempts (task_id, attempt, runner_id, runner_url, status, created_at) VALUES (?, ?, ?, ?, 'dispatched', ?)`,
    [a.task_id, a.attempt, a.runner_id, a.runner_url, nowIso],
  );
}

export function getAttempt(sql: Sql, taskId: number, attempt: number): Promise<AttemptRow | undefined> {
  return sql.get<AttemptRow>('SELECT * FROM attempts WHERE task_id = ? AND attempt = ?', [taskId, attempt]);
}

export function listAttempts(sql: Sql, taskId: number): Promise<AttemptRow[]> {
  return sql.all<AttemptRow>('SELECT * FROM attempts WHERE task_id = ? ORDER BY attempt', [taskId]);
}

/** The agent summary of one attempt (JSON text), or null. */
export async function getAttemptAgent(sql: Sql, taskId: number, attempt: number): Promise<string | null> {
  const row = await sql.get<{ agent: string | null }>(
    'SELECT agent FROM attempts WHERE task_id = ? AND attempt = ?',
    [taskId, attempt],
  );
  return row?.agent ?? null;
}

/** Every attempt of a run that reported an agent summary, with the role of its task (for usage sums). */
export function runAttemptAgents(sql: Sql, runId: number): Promise<{ role_id: number; agent: string }[]> {
  return sql.all(
    `SELECT t.role_id AS role_id, a.agent AS agent FROM attempts a JOIN tasks t ON t.id = a.task_id
     WHERE t.run_id = ? AND a.agent IS NOT NULL ORDER BY a.task_id, a.attempt`,
    [runId],
  );
}

export async function updateAttempt(
  sql: Sql,
  taskId: number,
  attempt: number,
  patch: Partial<Omit<AttemptRow, 'task_id' | 'attempt'>>,
): Promise<void> {
  const keys = Object.keys(patch) as (keyof typeof patch)[];
  if (keys.length === 0) return;
  await sql.run(
    `UPDATE attempts SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE task_id = ? AND attempt = ?`,
    [...keys.map((k) => patch[k] ?? null), taskId, attempt],
  );
}

/** Live attempts per runner (for capacity). The partial index attempts_live serves this. */
export function liveAttemptCounts(sql: Sql): Promise<{ runner_id: number; n: number }[]> {
  return sql.all(
    `SELECT runner_id, COUNT(*) AS n FROM attempts WHERE status IN ${LIVE} AND runner_id IS NOT NULL GROUP BY runner_id`,
  );
}

export function liveAttemptsOfRunner(sql: Sql, runnerId: number): Promise<AttemptRow[]> {
  return sql.all<AttemptRow>(`SELECT * FROM attempts WHERE runner_id = ? AND status IN ${LIVE}`, [runnerId]);
}
