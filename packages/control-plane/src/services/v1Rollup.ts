/**
 * A run's rollups as the first version shaped them on `GET /workflow-runs/{id}`: success rate (a
 * percentage), retries, per-role metrics and the quality-gate roll-up. Our own fields stay beside them.
 */
import type { RunRow } from '../store/ops/runs.js';
import type { TaskRow } from '../store/ops/tasks.js';
import type { Sql } from '../store/sql.js';
import { isUnsuccessfulTask } from '../domain/taskMachine.js';
import type { TaskGateSummary } from '../domain/qualityGates.js';
import { runGateSummaries } from './v1Gates.js';
import { durationMs, effectivePolicy } from './views.js';

export type RollupTask = Pick<
  TaskRow,
  | 'id'
  | 'run_id'
  | 'role_id'
  | 'status'
  | 'attempt'
  | 'retries_used'
  | 'requires_approval'
  | 'quality_gate_policy'
  | 'started_at'
  | 'finished_at'
> &
  Partial<Pick<TaskRow, 'retry_policy'>>;

const pct = (part: number, whole: number) => (whole ? Math.round((10_000 * part) / whole) / 100 : 0);
/** First version: every dispatch after a task's first is a retry (manual re-dispatch included). */
const redispatches = (t: RollupTask) => Math.max(0, t.attempt - 1);

export async function runRollup(sql: Sql, r: RunRow, tasks: readonly RollupTask[], now: number) {
  const roles = new Map<number, RollupTask[]>();
  for (const t of tasks) roles.set(t.role_id, [...(roles.get(t.role_id) ?? []), t]);
  const perRole = [...roles.entries()]
    .sort(([a], [b]) => a - b)
    .map(([role_id, ts]) => {
      const ok = ts.filter((t) => t.status === 'success').length;
      const failed = ts.filter((t) => isUnsuccessfulTask(t.status)).length;
      const durations = ts
        .map((t) => durationMs(t.started_at, t.finished_at, now))
        .filter((d): d is number => d !== null);
      return {
        role_id,
        task_count: ts.length,
        successful_tasks: ok,
        failed_tasks: failed,
        throughput_tasks: ok + failed,
        success_rate: pct(ok, ts.length),
        retries_total: ts.reduce((n, t) => n + redispatches(t), 0),
        duration_ms: durations.length ? durations.reduce((a, b) => a + b, 0) : null,
        // Ours, as before.
        total: ts.length,
        success: ok,
        failed,
        active: ts.length - ok - failed - ts.filter((t) => t.status === 'created').length,
      };
    });
  const retried = tasks.filter((t) => t.retries_used > 0);
  const exhausted = tasks.filter((t) => {
    if (t.status !== 'failed' && t.status !== 'submit-failed') return false;
    const max = effectivePolicy({ retry_policy: t.retry_policy ?? null }).max_retries;
    return max > 0 && t.retries_used >= max;
  });
  const gates = await runGateSummaries(sql, r.id, tasks);
  return {
    success_rate: pct(tasks.filter((t) => t.status === 'success').length, tasks.length),
    retries_total: tasks.reduce((n, t) => n + redispatches(t), 0),
    retry_summary: {
      total_retries: retried.reduce((n, t) => n + t.retries_used, 0),
      retried_task_ids: retried.map((t) => t.id),
      ...(exhausted.length ? { exhausted_task_ids: exhausted.map((t) => t.id) } : {}),
      // Ours, as before.
      tasks_retried: retried.length,
      total_attempts: tasks.reduce((n, t) => n + t.attempt, 0),
    },
    exhausted_hint: exhausted.length
      ? 'Retry budget exhausted for one or more tasks. Manual intervention is required.'
      : null,
    per_role: perRole,
    quality_gate_summary: gates.run,
    task_gates: gates.byTask as ReadonlyMap<number, TaskGateSummary>,
  };
}
