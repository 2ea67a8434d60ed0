import { z } from 'zod';

export const TASK_STATUSES = [
  'created',
  'dispatched',
  'queued',
  'running',
  'cancel-requested',
  'success',
  'failed',
  'canceled',
  'submit-failed',
] as const;
export const TaskStatus = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof TaskStatus>;
export const TERMINAL_TASK_STATUSES: readonly TaskStatus[] = [
  'success',
  'failed',
  'canceled',
  'submit-failed',
];
/** Terminal and not `success`: what fails a run. */
export const UNSUCCESSFUL_TASK_STATUSES: readonly TaskStatus[] = ['failed', 'submit-failed', 'canceled'];
/** A task with a live attempt (on a runner, or about to be). */
export const ACTIVE_TASK_STATUSES: readonly TaskStatus[] = [
  'dispatched',
  'queued',
  'running',
  'cancel-requested',
];

/**
 * One try of a task on one runner (its number is the fencing token). `refused`: the runner was busy
 * or draining and the task went back to ready; `lost`, `timeout`, `submit-failed`, `refused` are
 * closed by the API, and nothing the runner says about such an attempt changes anything.
 */
export const ATTEMPT_STATUSES = [
  'dispatched',
  'queued',
  'running',
  'success',
  'failed',
  'canceled',
  'lost',
  'timeout',
  'submit-failed',
  'refused',
] as const;
export const AttemptStatus = z.enum(ATTEMPT_STATUSES);
export type AttemptStatus = z.infer<typeof AttemptStatus>;
export const LIVE_ATTEMPT_STATUSES: readonly AttemptStatus[] = ['dispatched', 'queued', 'running'];

export const RUN_STATUSES = ['created', 'running', 'paused', 'aborted', 'success', 'failed'] as const;
export const RunStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatus>;
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['aborted', 'success', 'failed'];
/** Runs whose ready tasks the scheduler may start (not paused, not ended). */
export const DISPATCHING_RUN_STATUSES: readonly RunStatus[] = ['created', 'running'];

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected'] as const;
export const ApprovalStatus = z.enum(APPROVAL_STATUSES);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

export const EXECUTION_MODES = [
  'no-workspace',
  'shared-workspace',
  'isolated-worktree',
  'docker-sandbox',
] as const;
export const ExecutionMode = z.enum(EXECUTION_MODES);
export type ExecutionMode = z.infer<typeof ExecutionMode>;

export const CONTEXT7_MODES = ['inherit', 'force_on', 'force_off'] as const;
export const Context7Mode = z.enum(CONTEXT7_MODES);
export type Context7Mode = z.infer<typeof Context7Mode>;

/** Statuses a runner may report through the callback. */
export const RUNNER_REPORT_STATUSES = ['running', 'success', 'failed', 'canceled'] as const;
export const RunnerReportStatus = z.enum(RUNNER_REPORT_STATUSES);
export type RunnerReportStatus = z.infer<typeof RunnerReportStatus>;

export const FAILURE_CATEGORIES = [
  'runner-submit',
  'runner-lost',
  'timeout',
  'canceled',
  'network',
  'permission',
  'workspace-git',
  'sandbox',
  'test-regression',
  'dependency',
  'agent-error',
  'agent-permission-denied',
  'unknown',
  /** A blocker check of the task's quality_gate_policy failed on an otherwise successful outcome. */
  'quality-gate',
  /** The runner host ran out of a resource (open files, memory, processes) when starting the agent. */
  'resource-exhaustion',
] as const;
export const FailureCategory = z.enum(FAILURE_CATEGORIES);
export type FailureCategory = z.infer<typeof FailureCategory>;

/** Where in a task's life it failed. */
export const FAILURE_STEPS = [
  'submit',
  'spawn',
  'run',
  'report',
  'timeout',
  'runner-lost',
  'runner-restarted',
  'cancel',
  'workspace',
  /** Canceled because another task of its run failed (the run's fail-fast), not by anyone's request. */
  'run-failed',
] as const;
export const FailureStep = z.enum(FAILURE_STEPS);
export type FailureStep = z.infer<typeof FailureStep>;

/** Categories a retry policy may name (first version) plus our own, all retryable by choice. */
export const RETRY_ON_CATEGORIES = [
  'network',
  'flaky-test',
  'runner-transient',
  'runner-submit',
  'runner-lost',
  'timeout',
  'agent-error',
  'test-regression',
  'unknown',
] as const;
export const RetryOnCategory = z.enum(RETRY_ON_CATEGORIES);
export type RetryOnCategory = z.infer<typeof RetryOnCategory>;

export const ARTIFACT_TYPES = ['text', 'file', 'diff', 'commit', 'report', 'custom'] as const;
export const ArtifactType = z.enum(ARTIFACT_TYPES);
export type ArtifactType = z.infer<typeof ArtifactType>;

export const RUNNER_LIVENESS = ['online', 'unreachable', 'offline'] as const;
export const RunnerLiveness = z.enum(RUNNER_LIVENESS);
export type RunnerLiveness = z.infer<typeof RunnerLiveness>;
