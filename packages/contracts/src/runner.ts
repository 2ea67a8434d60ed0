import { z } from 'zod';
import { Id, JsonObject, lineText } from './common.js';
import { ExecutionMode } from './statuses.js';
import { RunnerCapability, SubmitWorktree } from './worktree.js';

/** API → runner: `POST {runner}/tasks/submit`. */
export const RunnerSubmit = z.object({
  task_id: Id,
  run_id: Id.nullable(),
  prompt: z.string(),
  execution_mode: ExecutionMode,
  timeout_seconds: z.number().int().positive(),
  status_callback_url: z.string(),
  status_callback_token: z.string(),
  workspace: z
    .object({ project_id: Id.nullable().optional(), root_path: z.string().nullable().optional() })
    .catchall(z.unknown())
    .nullable()
    .optional(),
  sandbox: JsonObject.nullable().optional(),
  handoff_context: z.unknown().optional(),
  /** Ours: the attempt number (fencing token); every report carries it back. */
  attempt: z.number().int().positive(),
  /** Ours: free-form parameters for the executor (e.g. the mock agent's script). */
  executor_params: JsonObject.optional(),
  /** Ours: the URL the runner posts output chunks to. */
  log_callback_url: z.string().optional(),
  title: z.string().optional(),
  role: z
    .object({
      id: Id,
      name: z.string(),
      /** Ours: the role's allowed_tools (claude `--allowedTools`). */
      allowed_tools: z.array(z.string()).optional(),
      /** Ours: what the runner needs of the role's execution_constraints. */
      execution_constraints: z
        .object({
          read_only: z.boolean().optional(),
          agent_args: z.array(z.string()).optional(),
          /** false: no network inside the runner's sandbox. */
          network: z.boolean().optional(),
        })
        .optional(),
    })
    .nullable()
    .optional(),
  /**
   * Ours: continue the agent session of an earlier attempt of this task (codex/claude; other
   * executors ignore it). `reason` says how that attempt ended, for the prompt's opening line.
   */
  resume: z
    .object({
      session_id: z.string().min(1).max(200),
      from_attempt: z.number().int().positive(),
      reason: z.string().max(2000).nullable().optional(),
    })
    .optional(),
  /** Ours: isolated-worktree tasks (and the run's merge task): the repository, branch and start point. */
  worktree: SubmitWorktree.optional(),
  /** Ours: the task's lock paths; the runner takes them host-wide again before it spawns. */
  lock_paths: z.array(z.string().max(4096)).max(200).optional(),
  /** Ours: run the agent inside bubblewrap (the API sets it when the task asks for a sandbox). */
  sandbox_required: z.boolean().optional(),
  /** First version: the task's role and the names of its skill packs. */
  role_id: Id.optional(),
  role_skill_packs: z.array(z.string()).optional(),
  /** First version: the resolved Context7 setting (`context7_enabled` is the same flag, ours). */
  context: z.object({ provider: z.literal('context7'), enabled: z.boolean() }).optional(),
  context7_enabled: z.boolean().optional(),
  /** First version: the upstream artifacts this step consumes (its `required_artifacts` matched). */
  consumed_artifact_ids: z.array(Id).optional(),
});
export type RunnerSubmit = z.infer<typeof RunnerSubmit>;

/** What a runner knows about one attempt (`GET {runner}/tasks/{id}`, listing, heartbeat). */
export const RunnerAttemptState = z.object({
  task_id: Id,
  attempt: z.number().int().positive(),
  status: z.enum(['queued', 'running', 'success', 'failed', 'canceled']),
  exit_code: z.number().int().nullable().optional(),
  started_at: z.string().nullable().optional(),
  finished_at: z.string().nullable().optional(),
  message: z.string().nullable().optional(),
  /** True once the API acknowledged the terminal report. */
  reported: z.boolean().optional(),
});
export type RunnerAttemptState = z.infer<typeof RunnerAttemptState>;

/** Runner → API: `POST /runners/register`. */
export const RunnerRegister = z.object({
  name: lineText(200).min(1),
  url: z.string().url(),
  capacity: z.number().int().min(1).max(1000).default(4),
  labels: z.array(z.string().max(100)).max(50).default([]),
  executor: z.string().max(50).default('mock'),
  version: z.string().max(50).optional(),
  /** Ours: what this runner can honour (absent: none of them; an older runner). */
  capabilities: z.array(RunnerCapability).max(20).default([]),
  /** Attempts the runner holds at start (after reading its journal). */
  attempts: z.array(RunnerAttemptState).max(10_000).default([]),
});
export type RunnerRegister = z.infer<typeof RunnerRegister>;

/** Runner → API: `POST /runners/{id}/heartbeat`. */
export const RunnerHeartbeat = z.object({
  attempts: z.array(RunnerAttemptState).max(10_000).default([]),
  free_slots: z.number().int().min(0).optional(),
  /** The runner is shutting down: it finishes what it holds and takes no new work. */
  draining: z.boolean().optional(),
  /** The runner's last word on a graceful stop: it is exiting now (the API marks it offline). */
  stopped: z.boolean().optional(),
});
export type RunnerHeartbeat = z.infer<typeof RunnerHeartbeat>;

/** Runner → API: `POST /runner/tasks/{id}/logs` — a chunk of output. */
export const RunnerLogChunk = z.object({
  attempt: z.number().int().positive(),
  seq: z.number().int().min(0),
  stream: z.enum(['stdout', 'stderr']),
  data: z.string().max(1_000_000),
});
export type RunnerLogChunk = z.infer<typeof RunnerLogChunk>;
