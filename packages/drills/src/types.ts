/**
 * Shapes shared by the chaos harness, the drills, the oracles and the JSON report.
 * Vocabulary: a *drill* (scenario) injects one kind of fault while runs are active; *checks* are
 * oracle verdicts computed from what the API and the effect ledger recorded; the *verdict* of a drill
 * is `success | failed | inconclusive` (a fault that did not fire, or a missing tool, is never success).
 */
export type Verdict = 'success' | 'failed' | 'inconclusive';

export interface Check {
  name: string;
  valid: boolean;
  detail: string;
  /** The oracle could not be evaluated (its precondition did not happen, a tool is missing). */
  inconclusive?: boolean;
}

export interface FaultRecord {
  /** What was injected, in words (signal, target, toxic, duration). */
  what: string;
  /** ISO times of each injection. */
  when: string[];
  /** The fault demonstrably happened (process died, toxic dropped traffic, ...). */
  fired: boolean;
  /** The fault was undone (process restarted / resumed, toxic removed). */
  healed: boolean;
  notes: string[];
}

export interface Timings {
  detection_ms: number | null;
  recovery_ms: number | null;
  wall_ms: number;
}

export interface Budgets {
  detection_ms: number | null;
  recovery_ms: number | null;
}

export interface ScenarioResult {
  scenario: string;
  name: string;
  status: Verdict;
  details: Record<string, unknown>;
  fault: FaultRecord;
  checks: Check[];
  timings: Timings;
  budgets: Budgets;
  seed: number;
  schedule: Record<string, unknown>;
  evidence: string | null;
  error: string | null;
}

export interface Summary {
  overall_status: Verdict;
  total: number;
  passed: number;
  failed: number;
  inconclusive: number;
}

export interface ChaosReport {
  config: Record<string, unknown>;
  summary: Summary;
  scenarios: ScenarioResult[];
}

/** Recorded history of one drill's store, as read back over HTTP, plus the effect ledger. */
export interface EventRec {
  id: number;
  event_type: string;
  run_id: number | null;
  task_id: number | null;
  producer_role?: string;
  payload: Record<string, unknown>;
  created_at: string;
}

export interface RunRec {
  id: number;
  status: string;
  task_ids: number[];
}

export interface TaskRec {
  id: number;
  run_id: number | null;
  step_id?: string | null;
  status: string;
  attempt: number;
  failure_category?: string | null;
  failure_triage_hints?: string[];
}

export interface AttemptRec {
  task_id: number;
  attempt: number;
  runner_id: number | null;
  status: string;
}

export interface LedgerRec {
  task_id: number;
  attempt: number;
  pid: number | null;
  started_at?: string;
  child_pid?: number;
}

export interface History {
  events: EventRec[];
  runs: RunRec[];
  tasks: TaskRec[];
  attempts: AttemptRec[];
  ledger: LedgerRec[];
}

/** What the drill saw acknowledged by the API (200 answers) before a fault. */
export interface AckSnapshot {
  at: string;
  events: EventRec[];
  runs: Array<{ id: number; status: string }>;
  tasks: Array<{ id: number; status: string; attempt: number }>;
}
