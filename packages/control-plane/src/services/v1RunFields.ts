/**
 * The first version's fields of `WorkflowRunRead` that ours lacked: `step_dependencies`,
 * `step_artifact_requirements` (by task id), `retries_total`, `retry_summary.retried_task_ids` /
 * `exhausted_task_ids`, and v1's keys on each `per_role` entry. Added to the run view, never
 * replacing a field of ours.
 */
import { isUnsuccessfulTask } from '../domain/taskMachine.js';
import { listTaskRowsByRun, type TaskRow } from '../store/ops/tasks.js';
import type { Sql } from '../store/sql.js';
import { parseJson } from '../store/sql.js';
import { durationMs, effectivePolicy } from './views.js';

interface OursRunView {
  id: number;
  retry_summary: Record<string, unknown>;
  per_role: Array<{ role_id: number; total: number; success: number; failed: number; active: number }>;
}

export async function withV1RunFields<V extends OursRunView>(sql: Sql, view: V, nowMs: number) {
  const tasks = await listTaskRowsByRun(sql, view.id);
  const stepTask = new Map(tasks.map((t) => [t.step_id, t.id]));
  const deps = (t: TaskRow) => parseJson<number[]>(t.depends_on, []);
  const retriesOf = (ts: TaskRow[]) => ts.reduce((n, t) => n + Math.max(0, t.attempt - 1), 0);
  const exhausted = tasks.filter((t) => {
    const p = effectivePolicy(t);
    return isUnsuccessfulTask(t.status) && p.max_retries > 0 && t.retries_used >= p.max_retries;
  });
  return {
    ...view,
    step_dependencies: Object.fromEntries(tasks.map((t) => [String(t.id), deps(t)])),
    step_artifact_requirements: Object.fromEntries(
      tasks.map((t) => [
        String(t.id),
        parseJson<
          Array<{ from_step_id?: string | null; artifact_type?: string | null; label?: string | null }>
        >(t.required_artifacts, []).map((r) => ({
          from_task_ids: r.from_step_id
            ? [stepTask.get(r.from_step_id)].filter((x) => x !== undefined)
            : deps(t),
          artifact_type: r.artifact_type ?? null,
          label: r.label ?? null,
        })),
      ]),
    ),
    retries_total: retriesOf(tasks),
    retry_summary: {
      ...view.retry_summary,
      retried_task_ids: tasks.filter((t) => t.attempt > 1).map((t) => t.id),
      exhausted_task_ids: exhausted.map((t) => t.id),
    },
    per_role: view.per_role.map((p) => {
      const mine = tasks.filter((t) => t.role_id === p.role_id);
      const starts = mine
        .map((t) => t.started_at)
        .filter((s): s is string => s !== null)
        .sort();
      const ends = mine
        .map((t) => t.finished_at)
        .filter((s): s is string => s !== null)
        .sort();
      return {
        ...p,
        task_count: p.total,
        successful_tasks: p.success,
        failed_tasks: mine.filter((t) => isUnsuccessfulTask(t.status)).length,
        throughput_tasks: p.success,
        success_rate: p.total ? p.success / p.total : 0,
        retries_total: retriesOf(mine),
        duration_ms: durationMs(
          starts[0] ?? null,
          ends.length === mine.length ? (ends.at(-1) ?? null) : null,
          nowMs,
        ),
      };
    }),
  };
}
