/**
 * Migration 001: the whole first schema. Migrations are numbered and append-only: never edit a
 * released one, add the next number.
 *
 * Why the partial indexes: the scheduler only ever looks at non-terminal tasks and live attempts;
 * indexing `WHERE status IN (...)` keeps those lookups the same cost with a million finished runs.
 */
export const migration001 = `
CREATE TABLE projects (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  root_path TEXT NOT NULL,
  allowed_paths TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE skill_packs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  skills TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE roles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  context7_enabled INTEGER NOT NULL DEFAULT 0,
  system_prompt TEXT NOT NULL DEFAULT '',
  allowed_tools TEXT NOT NULL DEFAULT '[]',
  skill_packs TEXT NOT NULL DEFAULT '[]',
  execution_constraints TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE workflow_templates (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  project_id INTEGER REFERENCES projects(id),
  steps TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE workflow_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  workflow_template_id INTEGER REFERENCES workflow_templates(id),
  project_id INTEGER,
  status TEXT NOT NULL,
  initiated_by TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
);
CREATE INDEX workflow_runs_active ON workflow_runs(id) WHERE status IN ('created','running','paused');
CREATE INDEX workflow_runs_status ON workflow_runs(status, id);

CREATE TABLE tasks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id INTEGER REFERENCES workflow_runs(id),
  step_id TEXT,
  role_id INTEGER NOT NULL REFERENCES roles(id),
  project_id INTEGER REFERENCES projects(id),
  title TEXT NOT NULL,
  description TEXT,
  context7_mode TEXT NOT NULL DEFAULT 'inherit',
  execution_mode TEXT NOT NULL DEFAULT 'no-workspace',
  requires_approval INTEGER NOT NULL DEFAULT 0,
  lock_paths TEXT NOT NULL DEFAULT '[]',
  sandbox TEXT,
  quality_gate_policy TEXT,
  executor_params TEXT,
  depends_on TEXT NOT NULL DEFAULT '[]',
  required_artifacts TEXT NOT NULL DEFAULT '[]',
  retry_policy TEXT,
  timeout_seconds INTEGER,
  time_to_start_seconds INTEGER,
  status TEXT NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 0,
  runner_id INTEGER,
  retries_used INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  ready_since INTEGER,
  dispatched_at INTEGER,
  deadline_at INTEGER,
  runner_unreachable_since TEXT,
  locks_released INTEGER NOT NULL DEFAULT 0,
  resubmit_pending INTEGER NOT NULL DEFAULT 0,
  exit_code INTEGER,
  message TEXT,
  output_tail TEXT,
  failure_category TEXT,
  failure_step TEXT,
  failure_hints TEXT NOT NULL DEFAULT '[]',
  suggested_actions TEXT NOT NULL DEFAULT '[]',
  container_id TEXT,
  worktree_cleanup TEXT,
  started_at TEXT,
  finished_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX tasks_run ON tasks(run_id, id);
-- The scheduler's working set: only non-terminal tasks are indexed.
CREATE INDEX tasks_live ON tasks(status, id) WHERE status IN ('created','dispatched','queued','running','cancel-requested');
CREATE INDEX tasks_resubmit ON tasks(id) WHERE resubmit_pending = 1;

-- Cancels owed to a runner (delivered at once when reachable, else with its next heartbeat answer).
CREATE TABLE pending_cancels (
  task_id INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  runner_id INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (task_id, attempt)
) WITHOUT ROWID;
CREATE INDEX pending_cancels_runner ON pending_cancels(runner_id);

CREATE TABLE attempts (
  task_id INTEGER NOT NULL REFERENCES tasks(id),
  attempt INTEGER NOT NULL,
  runner_id INTEGER,
  runner_url TEXT,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  submitted_at TEXT,
  started_at TEXT,
  finished_at TEXT,
  exit_code INTEGER,
  failure_category TEXT,
  message TEXT,
  PRIMARY KEY (task_id, attempt)
) WITHOUT ROWID;
CREATE INDEX attempts_live ON attempts(runner_id) WHERE status IN ('dispatched','queued','running');

CREATE TABLE runners (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  url TEXT NOT NULL,
  capacity INTEGER NOT NULL,
  labels TEXT NOT NULL DEFAULT '[]',
  executor TEXT NOT NULL DEFAULT 'mock',
  version TEXT,
  liveness TEXT NOT NULL DEFAULT 'online',
  last_seen_at INTEGER NOT NULL,
  unreachable_since INTEGER,
  registered_at TEXT NOT NULL,
  boot_count INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE approvals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id INTEGER NOT NULL UNIQUE REFERENCES tasks(id),
  status TEXT NOT NULL,
  actor TEXT,
  comment TEXT,
  decided_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event_type TEXT NOT NULL,
  run_id INTEGER,
  task_id INTEGER,
  producer_role TEXT NOT NULL,
  payload TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL
);
CREATE INDEX events_run ON events(run_id, id) WHERE run_id IS NOT NULL;
CREATE INDEX events_task ON events(task_id, id) WHERE task_id IS NOT NULL;
CREATE INDEX events_type ON events(event_type, id);

CREATE TABLE artifacts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  artifact_type TEXT NOT NULL,
  location TEXT NOT NULL,
  summary TEXT NOT NULL DEFAULT '',
  producer_task_id INTEGER NOT NULL REFERENCES tasks(id),
  run_id INTEGER,
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL
);
CREATE INDEX artifacts_task ON artifacts(producer_task_id);
CREATE INDEX artifacts_run ON artifacts(run_id) WHERE run_id IS NOT NULL;

CREATE TABLE handoffs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id INTEGER NOT NULL REFERENCES tasks(id),
  run_id INTEGER,
  attempt INTEGER NOT NULL,
  summary TEXT NOT NULL,
  details TEXT,
  next_actions TEXT NOT NULL DEFAULT '[]',
  open_questions TEXT NOT NULL DEFAULT '[]',
  artifacts TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL
);
CREATE INDEX handoffs_task ON handoffs(task_id);
CREATE INDEX handoffs_run ON handoffs(run_id) WHERE run_id IS NOT NULL;

CREATE TABLE task_logs (
  task_id INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  stream TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (task_id, attempt, seq)
) WITHOUT ROWID;
`;
