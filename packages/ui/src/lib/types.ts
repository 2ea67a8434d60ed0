/**
 * What the panel reads from the API. Status vocabularies come from the contracts package (types only:
 * nothing of it is bundled); the view shapes are the fields of the API's answers the panel uses.
 */
import type {
  ApprovalStatus,
  EventRecord,
  FailureCategory,
  RunnerLiveness,
  RunStatus,
  TaskStatus,
} from '@multyagents/contracts';
import type { AgentSummary, UsageTotals } from '@multyagents/contracts';
import type { ReportedWorktree } from '@multyagents/contracts';

export type { ApprovalStatus, EventRecord, RunStatus, TaskStatus };

export interface TriageFields {
  failure_triage_hints: string[];
  suggested_next_actions: string[];
}

export interface RunView extends TriageFields {
  id: number;
  workflow_template_id: number | null;
  status: RunStatus;
  initiated_by: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  task_ids: number[];
  failure_categories: FailureCategory[];
  duration_ms: number | null;
  success_rate: number;
}

export interface TaskView extends TriageFields {
  id: number;
  run_id: number | null;
  step_id: string | null;
  title: string;
  status: TaskStatus;
  attempt: number;
  runner_id: number | null;
  depends_on: number[];
  requires_approval: boolean;
  approval_id: number | null;
  approval_status: ApprovalStatus | null;
  failure_category: FailureCategory | null;
  failure_step: string | null;
  message: string | null;
  started_at: string | null;
  finished_at: string | null;
  created_at: string;
}

export interface RunnerView {
  id: number;
  name: string;
  url: string;
  capacity: number;
  labels: string[];
  executor: string;
  liveness: RunnerLiveness;
  last_seen_at: string | null;
  unreachable_since: string | null;
  draining: boolean;
  active_attempts: number;
  /** Unreachable past the lost grace: its attempts are failed over (`lost_at` is when). */
  lost?: boolean;
  lost_at?: string | null;
  /** Silence longer than this makes the API mark an online runner unreachable. */
  heartbeat_timeout_ms?: number;
}

export interface ApprovalView {
  id: number;
  task_id: number;
  status: ApprovalStatus;
  decided_by: string | null;
  comment: string | null;
  decided_at: string | null;
  created_at: string;
}

export interface LogChunk {
  seq: number;
  stream: string;
  data: string;
}

export interface LogsView {
  task_id: number;
  attempt: number;
  status: string;
  done: boolean;
  chunks: LogChunk[];
  next_seq: number;
}

export const ACTIVE_TASK: readonly TaskStatus[] = ['dispatched', 'queued', 'running', 'cancel-requested'];

/** `GET /drills`: one `multyagents chaos` invocation's evidence folder, summarized. */
export interface DrillShortView {
  id: string;
  status: string;
  name?: string | null;
  checks?: number;
  failed_checks?: string[];
  wall_ms?: number | null;
  error?: string | null;
}

export interface DrillEvidenceView {
  id: string;
  started_at: string | null;
  seed: number | null;
  total: number;
  passed: number;
  failed: number;
  inconclusive: number;
  verdict: 'PASS' | 'FAIL';
  drills: DrillShortView[];
  /** Set when the folder's report.json is missing, unreadable or not a chaos report. */
  error?: string;
}

/** What a coding agent said about an attempt (`agent` of a task view and of an audit attempt). */
export type { AgentSummary, UsageTotals };

/** An isolated-worktree task's stored result (`worktree` of the task view). */
export interface TaskWorktreeView {
  attempt: number;
  path: string | null;
  branch: string | null;
  base_sha: string | null;
  start_sha: string | null;
  head_sha: string | null;
  committed: boolean;
  pinned_ref: string | null;
  stats: { files_changed: number; insertions: number; deletions: number; files: string[] };
  conflicts: string[] | null;
  conflict_commits: string[] | null;
  merged: { target_branch: string; old_sha: string; new_sha: string; strategy: string } | null;
}

/** The task view's fields the run page's detail reads beyond the list's. */
export interface TaskDetailView extends TaskView {
  kind?: string;
  execution_mode?: string;
  agent?: AgentSummary | null;
  worktree?: TaskWorktreeView | null;
}

/** One attempt of a task (`attempts` of `GET /tasks/{id}/audit`). */
export interface AttemptView {
  task_id: number;
  attempt: number;
  runner_id: number | null;
  status: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  exit_code: number | null;
  failure_category: string | null;
  message: string | null;
  session_id: string | null;
  agent: AgentSummary | null;
  /** The attempt's own worktree report (isolated-worktree tasks; older rows may lack fields). */
  worktree?: Partial<ReportedWorktree> | null;
}

export interface TaskAuditView {
  task_id: number;
  attempts: AttemptView[];
}

/** `GET /tasks/{id}/diff`. */
export interface DiffView {
  task_id: number;
  attempt: number;
  repo_root: string;
  from_sha: string;
  to_sha: string;
  files: Array<{ path: string; insertions: number; deletions: number }>;
  patch: string;
  truncated: boolean;
  patch_bytes: number;
}

export interface HandoffView {
  id: number;
  task_id: number;
  run_id: number | null;
  attempt: number;
  summary: string;
  details: string | null;
  next_actions: string[];
  open_questions: string[];
  artifacts: Array<{ artifact_id: number; is_required: boolean; note?: string | null }>;
  created_at: string;
}

export interface ArtifactView {
  id: number;
  artifact_type: string;
  location: string;
  summary: string;
  producer_task_id: number;
  run_id: number | null;
  created_at: string;
}

/** The run view's tokens and money over every attempt that reported an agent summary. */
export interface RunUsageView extends RunView {
  usage?: UsageTotals;
}

/** `GET /workflow-runs/counts`. */
export interface RunCounts {
  total: number;
  by_status: Record<string, number>;
}

/** One entry of `GET /tasks/stuck`. */
export interface StuckTaskView {
  task: TaskView;
  reason: string;
  since: string;
  age_ms: number;
  detail: string;
}

/** What the partial re-run answers (the fields the panel shows). */
export interface PartialRerunAnswer {
  run_id: number;
  selected_task_ids: number[];
  selected_step_ids: string[];
  reset_task_ids: number[];
}

export interface TemplateSummary {
  id: number;
  name: string;
}
