/**
 * Quality gates (pure): a task's `quality_gate_policy` judged against what is known of its outcome,
 * in the first version's shape (check results, a task summary, a run roll-up). The same judgement
 * serves the views and the gate itself: services/v1Gates.ts asks it, with the outcome a runner
 * reports, before that outcome is written, and a failing required blocker turns the success into a
 * failure (category `quality-gate`).
 */
import {
  DEFAULT_QUALITY_GATE_POLICY,
  QualityGatePolicy,
  WorkflowStep,
  type QualityGateCheckPolicy,
  type QualityGateCheckStatus,
  type QualityGateSummaryStatus,
  type TaskStatus,
} from '@multyagents/contracts';
import { isTerminalTask } from './taskMachine.js';

/** What the checks look at. `handoff: undefined` means "not read" (only allowed when no check needs it). */
export interface GateFacts {
  status: TaskStatus;
  requiresApproval: boolean;
  approval: 'pending' | 'approved' | 'rejected' | null;
  handoff?: { summary: string; run_id: number | null; required_artifact_ids: number[] } | null;
  /** The artifacts the handoff names as required: id → producer and run (absent: no such artifact). */
  artifacts?: ReadonlyMap<number, { producer_task_id: number; run_id: number | null }>;
  taskId: number;
}

export interface CheckResult {
  check: string;
  status: QualityGateCheckStatus;
  severity: 'blocker' | 'warn';
  required: boolean;
  blocker: boolean;
  message: string;
  details: Record<string, unknown>;
}

export interface TaskGateSummary {
  status: QualityGateSummaryStatus;
  summary_text: string;
  total_checks: number;
  passed_checks: number;
  failed_checks: number;
  pending_checks: number;
  skipped_checks: number;
  blocker_failures: number;
  warning_failures: number;
  checks: CheckResult[];
}

/** The stored policy text → the policy in force (no policy, or one not of this shape: the default). */
/**
 * Parsed policies by their stored text: every run and task view judges each task's policy, and a
 * run's tasks share a handful of texts (parsing each with zod per view cost ~0.3 ms of API CPU per
 * created run under load). Bounded; the parsed value is treated as read-only.
 */
const parsedPolicies = new Map<string, QualityGatePolicy>();
const PARSED_POLICIES_MAX = 512;

export function policyOf(text: string | null): QualityGatePolicy {
  if (!text) return DEFAULT_QUALITY_GATE_POLICY;
  const cached = parsedPolicies.get(text);
  if (cached) return cached;
  const policy = parsePolicy(text);
  if (parsedPolicies.size >= PARSED_POLICIES_MAX) parsedPolicies.delete(parsedPolicies.keys().next().value!);
  parsedPolicies.set(text, policy);
  return policy;
}

function parsePolicy(text: string): QualityGatePolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return DEFAULT_QUALITY_GATE_POLICY;
  }
  const parsed = QualityGatePolicy.safeParse(raw);
  return parsed.success ? parsed.data : DEFAULT_QUALITY_GATE_POLICY;
}

/** Whether judging this policy needs the task's handoff and artifacts. */
export function needsHandoff(policy: QualityGatePolicy): boolean {
  return policy.required_checks.some(
    (c) => c.check === 'handoff-present' || c.check === 'required-artifacts-present',
  );
}

function judge(
  c: QualityGateCheckPolicy,
  f: GateFacts,
): Omit<CheckResult, 'blocker' | 'severity' | 'required'> {
  const terminal = isTerminalTask(f.status);
  const r = (status: QualityGateCheckStatus, message: string, details: Record<string, unknown> = {}) => ({
    check: c.check,
    status,
    message,
    details: { check: c.check, ...details },
  });
  switch (c.check) {
    case 'task-status':
      if (f.status === 'success') return r('pass', 'task completed successfully', { task_status: f.status });
      if (terminal)
        return r('fail', `task completed with terminal status '${f.status}'`, { task_status: f.status });
      return r('pending', 'task is still in progress', { task_status: f.status });
    case 'approval-status': {
      const d = { task_requires_approval: f.requiresApproval, approval_status: f.approval };
      if (!f.requiresApproval) return r('skipped', 'approval gate is not enabled for this task', d);
      if (f.approval === 'approved') return r('pass', 'approval granted', d);
      if (f.approval === 'rejected') return r('fail', 'approval rejected', d);
      return r('pending', 'approval is pending', d);
    }
    case 'handoff-present': {
      const has = !!f.handoff && f.handoff.summary.trim() !== '';
      if (has) return r('pass', 'handoff payload is published', { has_handoff: true });
      if (terminal) return r('fail', 'terminal task is missing handoff payload', { has_handoff: false });
      return r('pending', 'handoff payload has not been published yet', { has_handoff: false });
    }
    case 'required-artifacts-present': {
      const h = f.handoff;
      if (!h) {
        const d = { required_artifact_ids: [] };
        return terminal
          ? r('fail', 'terminal task has no handoff artifact references', d)
          : r('pending', 'handoff artifacts are not available yet', d);
      }
      const ids = h.required_artifact_ids;
      if (ids.length === 0)
        return r('pass', 'no required handoff artifacts declared', { required_artifact_ids: ids });
      const missing: number[] = [];
      const badProducer: number[] = [];
      const badRun: number[] = [];
      for (const id of ids) {
        const a = f.artifacts?.get(id);
        if (!a) missing.push(id);
        else if (a.producer_task_id !== f.taskId) badProducer.push(id);
        else if (h.run_id !== null && a.run_id !== h.run_id) badRun.push(id);
      }
      const d = {
        required_artifact_ids: ids,
        missing_artifact_ids: missing,
        invalid_producer_ids: badProducer,
        invalid_run_ids: badRun,
      };
      return missing.length || badProducer.length || badRun.length
        ? r('fail', 'required handoff artifacts are missing or invalid', d)
        : r('pass', 'required handoff artifacts are available', d);
    }
  }
}

export function evaluateGates(policy: QualityGatePolicy, f: GateFacts): TaskGateSummary {
  const checks: CheckResult[] = policy.required_checks.map((c) => {
    const j = judge(c, f);
    const blocker = j.status === 'fail' && c.required && c.severity === 'blocker';
    return { ...j, severity: c.severity, required: c.required, blocker };
  });
  const n = (s: QualityGateCheckStatus) => checks.filter((c) => c.status === s).length;
  const passed = n('pass');
  const pending = n('pending');
  const blockers = checks.filter((c) => c.blocker).length;
  const warnings = checks.filter((c) => c.status === 'fail' && !c.blocker).length;
  const base = {
    total_checks: checks.length,
    passed_checks: passed,
    failed_checks: n('fail'),
    pending_checks: pending,
    skipped_checks: n('skipped'),
    blocker_failures: blockers,
    warning_failures: warnings,
    checks,
  };
  if (checks.length === 0)
    return { status: 'not-configured', summary_text: 'No quality gates configured.', ...base };
  if (blockers > 0) return { status: 'fail', summary_text: `${blockers} blocker gate(s) failed.`, ...base };
  if (pending > 0)
    return {
      status: 'pending',
      summary_text: `${passed}/${checks.length} checks passed, ${pending} pending.`,
      ...base,
    };
  return {
    status: 'pass',
    summary_text:
      warnings > 0 ? `Passed with ${warnings} warning gate failure(s).` : 'All quality gates passed.',
    ...base,
  };
}

/** The run's roll-up of its tasks' summaries (first version's `QualityGateRunSummary`). */
export function rollUpGates(summaries: readonly TaskGateSummary[]) {
  const count = (s: QualityGateSummaryStatus) => summaries.filter((x) => x.status === s).length;
  const sum = (k: keyof Omit<TaskGateSummary, 'status' | 'summary_text' | 'checks'>) =>
    summaries.reduce((n, x) => n + x[k], 0);
  const t = {
    total_tasks: summaries.length,
    passing_tasks: count('pass'),
    failing_tasks: count('fail'),
    pending_tasks: count('pending'),
    not_configured_tasks: count('not-configured'),
    total_checks: sum('total_checks'),
    passed_checks: sum('passed_checks'),
    failed_checks: sum('failed_checks'),
    pending_checks: sum('pending_checks'),
    skipped_checks: sum('skipped_checks'),
    blocker_failures: sum('blocker_failures'),
    warning_failures: sum('warning_failures'),
  };
  const out = (status: QualityGateSummaryStatus, summary_text: string) => ({ status, summary_text, ...t });
  if (t.total_tasks === 0) return out('not-configured', 'No quality gates evaluated for this run yet.');
  if (t.blocker_failures > 0)
    return out(
      'fail',
      `${t.failing_tasks} task(s) have blocker gate failures (${t.blocker_failures} blocker check failure(s)).`,
    );
  if (t.pending_checks > 0 || t.pending_tasks > 0)
    return out(
      'pending',
      `${t.passing_tasks}/${t.total_tasks} task(s) currently pass; ${t.pending_tasks} task(s) still pending quality checks.`,
    );
  if (t.total_checks === 0)
    return out('not-configured', 'No quality gates configured for tasks in this run.');
  if (t.warning_failures > 0)
    return out('pass', `Run passed blocker gates with ${t.warning_failures} warning check failure(s).`);
  return out('pass', 'Run quality gates passed.');
}

/**
 * A stored template step. A step stored before policies had their first-version shape may carry one
 * that no longer parses: it is read as having no policy (the default), as a task's would be.
 */
export function storedStep(raw: unknown): WorkflowStep {
  const parsed = WorkflowStep.safeParse(raw);
  if (parsed.success) return parsed.data;
  if (typeof raw === 'object' && raw !== null && 'quality_gate_policy' in raw)
    return WorkflowStep.parse({ ...raw, quality_gate_policy: undefined });
  throw parsed.error;
}
