/**
 * Quality gates against the store: the facts domain/qualityGates.ts judges, read for a task view, for
 * a run's roll-up, and — before a runner's `success` is written — for the gate itself.
 */
import { listEvents } from '../store/ops/events.js';
import type { HandoffPayload, RunnerStatusReport } from '@multyagents/contracts';
import {
  evaluateGates,
  needsHandoff,
  policyOf,
  rollUpGates,
  type GateFacts,
  type TaskGateSummary,
} from '../domain/qualityGates.js';
import type { QualityGatePolicy } from '@multyagents/contracts';
import { getApprovalByTask } from '../store/ops/approvals.js';
import { getArtifact } from '../store/ops/artifacts.js';
import { latestHandoff, listHandoffs } from '../store/ops/handoffs.js';
import type { TaskRow } from '../store/ops/tasks.js';
import type { Sql } from '../store/sql.js';

type GateTask = Pick<TaskRow, 'id' | 'run_id' | 'status' | 'requires_approval' | 'quality_gate_policy'> &
  Partial<Pick<TaskRow, 'failure_category'>>;
type Approval = 'pending' | 'approved' | 'rejected' | null;
type HandoffFacts = NonNullable<GateFacts['handoff']>;

function handoffFacts(
  h: Pick<HandoffPayload, 'summary' | 'artifacts'> & { run_id: number | null },
): HandoffFacts {
  return {
    summary: h.summary,
    run_id: h.run_id,
    required_artifact_ids: h.artifacts.filter((a) => a.is_required).map((a) => a.artifact_id),
  };
}

async function artifactsOf(sql: Sql, ids: readonly number[]): Promise<GateFacts['artifacts']> {
  const out = new Map<number, { producer_task_id: number; run_id: number | null }>();
  for (const id of new Set(ids)) {
    const a = await getArtifact(sql, id);
    if (a) out.set(id, { producer_task_id: a.producer_task_id, run_id: a.run_id });
  }
  return out;
}

function factsOf(t: GateTask, approval: Approval): GateFacts {
  return { taskId: t.id, status: t.status, requiresApproval: t.requires_approval === 1, approval };
}

async function judge(sql: Sql, t: GateTask, approval: Approval, handoff: HandoffFacts | null | undefined) {
  const policy = policyOf(t.quality_gate_policy);
  const facts = factsOf(t, approval);
  if (needsHandoff(policy)) {
    facts.handoff = handoff ?? null;
    facts.artifacts = await artifactsOf(sql, handoff?.required_artifact_ids ?? []);
  }
  return evaluateGates(policy, facts);
}

/**
 * Summaries of tasks judged on their status alone (no approval, no handoff check), by policy and
 * status: they do not depend on the task. Shared and frozen; policies are cached by policyOf.
 */
const plainSummaries = new WeakMap<QualityGatePolicy, Map<string, TaskGateSummary>>();

function plainSummary(policy: QualityGatePolicy, t: GateTask): TaskGateSummary {
  let byStatus = plainSummaries.get(policy);
  if (!byStatus) plainSummaries.set(policy, (byStatus = new Map()));
  let summary = byStatus.get(t.status);
  if (!summary) {
    summary = deepFreeze(evaluateGates(policy, factsOf(t, null)));
    byStatus.set(t.status, summary);
  }
  return summary;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** A task's summary as its view shows it (`approval`: the task's approval status, if gated). */
export async function taskGateSummary(sql: Sql, t: GateTask, approval: Approval): Promise<TaskGateSummary> {
  // A task the gate failed is judged on the handoff its report brought (recorded with the
  // `task.quality_gate_failed` event): the stored handoff may lack the artifact references the gate
  // refused (our runner's bad references are not stored, services/v1Handoff.ts).
  if (t.failure_category === 'quality-gate') {
    const failed = (
      await listEvents(sql, { task_id: t.id, event_type: 'task.quality_gate_failed', limit: 1000 })
    ).at(-1);
    const judged = failed?.payload.handoff_facts as HandoffFacts | null | undefined;
    if (judged !== undefined) return judge(sql, t, approval, judged);
  }
  const policy = policyOf(t.quality_gate_policy);
  const h = needsHandoff(policy) ? await latestHandoff(sql, t.id) : undefined;
  return judge(sql, t, approval, h ? handoffFacts(h) : null);
}

/** Every task's summary and the run's roll-up, with one read of the run's handoffs. */
export async function runGateSummaries(sql: Sql, runId: number, tasks: readonly GateTask[]) {
  const latest = new Map<number, HandoffFacts>();
  if (tasks.some((t) => needsHandoff(policyOf(t.quality_gate_policy))))
    for (const h of await listHandoffs(sql, { run_id: runId })) latest.set(h.task_id, handoffFacts(h));
  const byTask = new Map<number, TaskGateSummary>();
  for (const t of tasks) {
    const policy = policyOf(t.quality_gate_policy);
    // The common task (no approval, no handoff check, not gate-failed) is judged without the store:
    // a run view judges every task of the run, and awaiting each one cost measurable CPU per view.
    if (!t.requires_approval && t.failure_category !== 'quality-gate' && !needsHandoff(policy)) {
      byTask.set(t.id, plainSummary(policy, t));
      continue;
    }
    const approval = t.requires_approval ? ((await getApprovalByTask(sql, t.id))?.status ?? null) : null;
    byTask.set(
      t.id,
      t.failure_category === 'quality-gate'
        ? await taskGateSummary(sql, t, approval)
        : await judge(sql, t, approval, latest.get(t.id) ?? null),
    );
  }
  return { byTask, run: rollUpGates([...byTask.values()]) };
}

/**
 * The gate on a runner's `success`: the policy judged as if the task had succeeded with the handoff
 * this report brings. Null when nothing blocks (or nothing beyond the task's own status is checked);
 * otherwise the summary, whose blocker checks fail the task.
 */
export async function gateVerdict(
  sql: Sql,
  t: TaskRow,
  report: Pick<RunnerStatusReport, 'handoff'>,
): Promise<(TaskGateSummary & { handoff_facts: HandoffFacts | null }) | null> {
  const policy = policyOf(t.quality_gate_policy);
  if (policy.required_checks.every((c) => c.check === 'task-status')) return null;
  const approval = t.requires_approval ? ((await getApprovalByTask(sql, t.id))?.status ?? null) : null;
  const h = report.handoff ? handoffFacts({ ...report.handoff, run_id: t.run_id }) : null;
  const summary = await judge(sql, { ...t, status: 'success' }, approval, h);
  return summary.blocker_failures > 0 ? { ...summary, handoff_facts: h } : null;
}
