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
