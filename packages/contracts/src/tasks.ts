import { z } from 'zod';
import { AgentSummary } from './agent.js';
import { AbsolutePath, Id, JsonObject, Title } from './common.js';
import { Context7Mode, ExecutionMode, FailureCategory, RunnerReportStatus, TaskStatus } from './statuses.js';
import { QualityGatePolicy } from './qualityGates.js';
import { ReportedWorktree } from './worktree.js';

/**
 * docker-sandbox settings, the first version's shape. Paths are checked by the API (absolute; mount
 * sources inside the project root and its allowed paths, symlinks resolved), not here, so that the
 * refusal carries its stable code (PATH_NOT_ABSOLUTE, PATH_OUTSIDE_ROOT, PATH_OUTSIDE_ALLOWED).
 */
export const SandboxMount = z.object({
  source: z.string().min(1).max(4096),
  target: z.string().min(1).max(4096),
  read_only: z.boolean().default(false),
});
export const SandboxConfig = z
  .object({
    image: z.string().min(1).max(1000),
    command: z.array(z.string().max(100_000)).min(1).max(1000),
    workdir: z.string().min(1).max(4096).default('/workspace/project'),
    env: z.record(z.string(), z.string()).default({}),
    mounts: z.array(SandboxMount).max(200).default([]),
  })
  .catchall(z.unknown());
export type SandboxConfig = z.infer<typeof SandboxConfig>;

export const TaskCreate = z.object({
  role_id: Id,
  title: Title,
  description: z.string().max(100_000).optional(),
  context7_mode: Context7Mode.default('inherit'),
  execution_mode: ExecutionMode.default('no-workspace'),
  requires_approval: z.boolean().default(false),
  project_id: Id.nullable().optional(),
  lock_paths: z.array(AbsolutePath).max(200).default([]),
  /** docker-sandbox only (any other mode with a sandbox is 422, as in v1). */
  sandbox: SandboxConfig.nullable().optional(),
  quality_gate_policy: QualityGatePolicy.nullable().optional(),
  timeout_seconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .optional(),
  time_to_start_seconds: z.number().int().min(1).max(86_400).optional(),
  executor_params: JsonObject.optional(),
});
export type TaskCreate = z.infer<typeof TaskCreate>;

export const HandoffArtifactRef = z.object({
  artifact_id: Id,
  is_required: z.boolean().default(false),
  note: z.string().max(10_000).nullable().optional(),
});
export const HandoffPayload = z.object({
  summary: z.string().max(100_000),
  details: z.string().max(1_000_000).nullable().optional(),
  next_actions: z.array(z.string().max(10_000)).max(200).default([]),
  open_questions: z.array(z.string().max(10_000)).max(200).default([]),
  artifacts: z.array(HandoffArtifactRef).max(200).default([]),
});
export type HandoffPayload = z.infer<typeof HandoffPayload>;

/** An artifact a runner reports with a terminal status (created on the API side). */
export const ReportedArtifact = z.object({
  artifact_type: z.enum(['text', 'file', 'diff', 'commit', 'report', 'custom']),
  location: z.string().max(4096),
  summary: z.string().max(10_000).default(''),
  metadata: JsonObject.default({}),
});

export const RunnerStatusReport = z.object({
  status: RunnerReportStatus,
  message: z.string().max(100_000).nullable().optional(),
  started_at: z.iso.datetime({ offset: true }).nullable().optional(),
  finished_at: z.iso.datetime({ offset: true }).nullable().optional(),
  exit_code: z.number().int().nullable().optional(),
  stdout: z.string().max(2_000_000).nullable().optional(),
  stderr: z.string().max(2_000_000).nullable().optional(),
  container_id: z.string().max(500).nullable().optional(),
  worktree_cleanup_attempted: z.boolean().nullable().optional(),
  worktree_cleanup_succeeded: z.boolean().nullable().optional(),
  worktree_cleanup_message: z.string().max(10_000).nullable().optional(),
  handoff: HandoffPayload.nullable().optional(),
  /** Ours: the attempt (fencing token). Without it the report applies to the current attempt. */
  attempt: z.number().int().positive().nullable().optional(),
  /** Ours: the runner that sends the report. */
  runner_id: Id.nullable().optional(),
  /** Ours: where the failure happened, as the runner saw it. */
  failure_step: z.string().max(50).nullable().optional(),
  artifacts: z.array(ReportedArtifact).max(200).optional(),
  /** Ours: what a coding agent (codex, claude) said about its work, read from its event stream. */
  agent: AgentSummary.nullable().optional(),
  /** Ours: an isolated-worktree attempt's worktree, commit, diff stats, merge and cleanup. */
  worktree: ReportedWorktree.nullable().optional(),
});
export type RunnerStatusReport = z.infer<typeof RunnerStatusReport>;

/**
 * Ours: several status reports in one request (`POST /runner/reports`). Each is applied exactly as if
 * it had been posted alone to `/runner/tasks/{task_id}/status`; they commit together (one group commit).
 */
export const RunnerReportBatch = z.object({
  reports: z
    .array(RunnerStatusReport.extend({ task_id: Id }))
    .min(1)
    .max(500),
});
export type RunnerReportBatch = z.infer<typeof RunnerReportBatch>;

/** One report's outcome, in request order: the HTTP status and error it would have had alone. */
export const RunnerReportResult = z.object({
  task_id: Id,
  attempt: z.number().int().nullable(),
  status_code: z.number().int(),
  code: z.string().nullable(),
  detail: z.string().nullable(),
  /** The task's status after the report (null when refused before the task was read). */
  task_status: TaskStatus.nullable(),
});
export type RunnerReportResult = z.infer<typeof RunnerReportResult>;

/**
 * `GET /tasks`. `run_id` alone answers the run's tasks in id order (v1). Otherwise newest first, with
 * the keyset cursor `before_id` (only tasks with a smaller id; `x-next-before-id` is the next page's)
 * and the exact filters `runner_id` (the runner of the current attempt) and `step_id`; `x-total-count`
 * counts the tasks that match the filters, ignoring `before_id` and `limit`.
 */
export const TaskListQuery = z.object({
  run_id: z.coerce.number().int().positive().optional(),
  status: TaskStatus.optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
  before_id: z.coerce.number().int().positive().optional(),
  runner_id: z.coerce.number().int().positive().optional(),
  step_id: z.string().min(1).max(200).optional(),
});
export type TaskListQuery = z.infer<typeof TaskListQuery>;

/**
 * Why a task is listed by `GET /tasks/stuck` (docs/architecture.md, "Stuck tasks"):
 * - `not-dispatched`: ready (created, dependencies done, approval not pending, backoff over, run
 *   dispatching) yet not dispatched;
 * - `not-started`: dispatched or queued on a runner, never reported running;
 * - `no-progress`: running, with no output chunk, report or event for the task;
 * - `cancel-pending`: canceled (or cancel-requested) while its runner has not been told.
 */
export const STUCK_REASONS = ['not-dispatched', 'not-started', 'no-progress', 'cancel-pending'] as const;
export const StuckReason = z.enum(STUCK_REASONS);
export type StuckReason = z.infer<typeof StuckReason>;

/** `GET /tasks/stuck`: stuck for at least `older_than_s` (default: MULTYAGENTS_STUCK_AFTER_S). */
export const StuckTasksQuery = z.object({
  older_than_s: z.coerce.number().int().min(1).max(86_400).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
export type StuckTasksQuery = z.infer<typeof StuckTasksQuery>;

/** `GET /tasks/{id}/diff`: the attempt whose reported worktree is diffed (default: the task's current). */
export const TaskDiffQuery = z.object({
  attempt: z.coerce.number().int().positive().optional(),
});
export type TaskDiffQuery = z.infer<typeof TaskDiffQuery>;

/** The answer of `GET /tasks/{id}/diff` (git, in the task's project repository). */
export const TaskDiff = z.object({
  task_id: Id,
  attempt: z.number().int().positive(),
  repo_root: z.string(),
  from_sha: z.string(),
  to_sha: z.string(),
  /** `git diff --numstat`; binary files count -1 insertions and deletions. */
  files: z.array(z.object({ path: z.string(), insertions: z.number().int(), deletions: z.number().int() })),
  /** The unified diff, cut at the API's cap (then `truncated`). */
  patch: z.string(),
  truncated: z.boolean(),
  /** Bytes of `patch` as answered. */
  patch_bytes: z.number().int().min(0),
});
export type TaskDiff = z.infer<typeof TaskDiff>;

export const TaskLogsQuery = z.object({
  tail: z.coerce.number().int().min(1).max(100_000).optional(),
  after_seq: z.coerce.number().int().min(0).optional(),
  follow: z.union([z.literal('1'), z.literal('true'), z.literal('0'), z.literal('false')]).optional(),
  attempt: z.coerce.number().int().positive().optional(),
});

/**
 * `POST /tasks/{id}/locks/release`: v1 took no body and released every lock the task holds. Locks are
 * released together, so `paths`, if given, must name exactly the held paths (a check, not a selection).
 */
export const LocksReleaseBody = z
  .object({ paths: z.array(z.string().max(4096)).max(1000).optional() })
  .optional()
  .default({});

export const Triage = z.object({
  failure_category: FailureCategory.nullable(),
  failure_step: z.string().nullable(),
  failure_triage_hints: z.array(z.string()),
  suggested_next_actions: z.array(z.string()),
});
export type Triage = z.infer<typeof Triage>;
