/**
 * The first version's dispatch plan (`{ready[{task_id, consumed_artifact_ids}], blocked[{task_id,
 * reason, details}]}`) for a run, judged by the one readiness rule (domain/readiness.ts) and spelled
 * with the first version's reasons. Used by partial rerun, the execution summary and the assistant.
 */
import type { Artifact } from '@multyagents/contracts';
import type { NotReadyReason } from '../domain/readiness.js';
import { getApprovalByTask } from '../store/ops/approvals.js';
import { listArtifacts } from '../store/ops/artifacts.js';
import type { RunRow } from '../store/ops/runs.js';
import { statusesOf, type TaskRow } from '../store/ops/tasks.js';
import type { Sql } from '../store/sql.js';
import { parseJson } from '../store/sql.js';
import type { ServiceContext } from './context.js';
import { taskReadiness } from './readiness.js';

export interface PlanItem {
  task_id: number;
  consumed_artifact_ids: number[];
}
export interface BlockedItem {
  task_id: number | null;
  reason: string;
  details: Record<string, unknown>;
}
export interface V1Plan {
  ready: PlanItem[];
  blocked: BlockedItem[];
}

const V1_REASON: Record<NotReadyReason, string> = {
  'run not active': 'run-not-active',
  'not created': 'not-dispatchable-state',
  'dependencies failed': 'dependencies-not-satisfied',
  'dependencies not satisfied': 'dependencies-not-satisfied',
  'required handoff artifacts missing': 'required-handoff-artifacts-missing',
  'approval pending': 'approval-required',
  'approval rejected': 'approval-required',
  // Ours: the first version had no backoff and no path locks between tasks of one API.
  backoff: 'retry-backoff',
  'lock conflict': 'lock-conflict',
};

export interface PlanOptions {
  /** Judge only these tasks (partial rerun); others in `created` are left out, not reported. */
  only?: ReadonlySet<number>;
  /** Ready tasks past this many are listed as blocked `dispatch-limit-reached`. */
  max: number;
}

export async function planV1(
  ctx: ServiceContext,
  sql: Sql,
  run: RunRow,
  tasks: readonly TaskRow[],
  opts: PlanOptions,
): Promise<V1Plan> {
  const plan: V1Plan = { ready: [], blocked: [] };
  if (run.status === 'aborted' || run.status === 'paused') {
    plan.blocked.push({ task_id: null, reason: `run-${run.status}`, details: { run_id: run.id } });
    return plan;
  }
  let artifacts: Artifact[] | null = null;
  for (const t of tasks) {
    if (opts.only ? !opts.only.has(t.id) : t.status !== 'created') continue;
    const r = await taskReadiness(ctx, sql, t);
    if (!r.ready) {
      plan.blocked.push({
        task_id: t.id,
        reason: V1_REASON[r.reason],
        details: await details(sql, t, r.reason),
      });
      continue;
    }
    if (plan.ready.length >= opts.max) {
      plan.blocked.push({
        task_id: t.id,
        reason: 'dispatch-limit-reached',
        details: { max_tasks: opts.max },
      });
      continue;
    }
    artifacts ??= await listArtifacts(sql, { run_id: run.id, limit: 10_000 });
    plan.ready.push({ task_id: t.id, consumed_artifact_ids: consumedArtifacts(t, tasks, artifacts) });
  }
  return plan;
}

async function details(sql: Sql, t: TaskRow, reason: NotReadyReason): Promise<Record<string, unknown>> {
  switch (reason) {
    case 'not created':
      return { status: t.status };
    case 'dependencies failed':
    case 'dependencies not satisfied': {
      const deps = await statusesOf(sql, parseJson<number[]>(t.depends_on, []));
      return {
        dependencies: deps
          .filter((d) => d.status !== 'success')
          .map((d) => ({ task_id: d.id, status: d.status })),
      };
    }
    case 'approval pending':
    case 'approval rejected': {
      const a = await getApprovalByTask(sql, t.id);
      return { approval_id: a?.id ?? null, approval_status: a?.status ?? 'missing' };
    }
    case 'backoff':
      return {
        next_attempt_at: t.next_attempt_at === null ? null : new Date(t.next_attempt_at).toISOString(),
      };
    default:
      return { reason };
  }
}

/** The dependencies' artifacts that satisfy the task's required_artifacts (what it consumes). */
export function consumedArtifacts(
  t: TaskRow,
  tasks: readonly TaskRow[],
  artifacts: readonly Artifact[],
): number[] {
  const reqs = parseJson<Array<{ from_step_id?: string; artifact_type?: string; label?: string }>>(
    t.required_artifacts,
    [],
  );
  const deps = parseJson<number[]>(t.depends_on, []);
  const ids = new Set<number>();
  for (const req of reqs) {
    const producers = req.from_step_id
      ? tasks.filter((d) => deps.includes(d.id) && d.step_id === req.from_step_id).map((d) => d.id)
      : deps;
    for (const a of artifacts)
      if (
        producers.includes(a.producer_task_id) &&
        (!req.artifact_type || a.artifact_type === req.artifact_type) &&
        (!req.label || a.metadata.label === req.label || a.summary === req.label)
      )
        ids.add(a.id);
  }
  return [...ids];
}
