import type { Env } from '../config/env.js';
import type { AgentReading } from './agentStream.js';
import type { SandboxRequest } from './sandbox.js';

/** What the runner passes on of the task's role (codex/claude turn it into flags). */
export interface RoleGrants {
  /** claude `--allowedTools`; empty = the CLI's defaults plus the permission mode. */
  allowedTools: string[];
  readOnly: boolean;
  /** Extra flags appended to the agent's argv (the role's execution_constraints.agent_args). */
  agentArgs: string[];
}

/**
 * The one process interface every executor implements. The runner never spawns anything itself: it
 * asks an executor to `start` an attempt and gets a `RunningProcess` back, which unit tests can fake.
 */
export interface ExecRequest {
  taskId: number;
  attempt: number;
  runId: number | null;
  prompt: string;
  cwd: string;
  /** Complete environment of the agent (the runner adds MULTYAGENTS_* variables before). */
  env: Env;
  /** `executor_params` of the submit. */
  params: Record<string, unknown>;
  /** Where the agent may write `{handoff, artifacts}` as JSON (env MULTYAGENTS_RESULT_FILE). */
  resultFile: string;
  ledgerFile: string;
  killGraceMs: number;
  /** Absent for tasks without a role (or an older API): no extra grants, not read-only. */
  role?: RoleGrants;
  /** Continue the agent session of an earlier attempt (RunnerSubmit.resume). */
  resume?: { session_id: string; from_attempt: number; reason?: string | null };
  /**
   * Run the agent inside bubblewrap (build it with `sandboxFor`). The executor adds what only it knows:
   * its resolved binary's install dir (read-only) and, for codex/claude, the agent home it picked.
   */
  sandbox?: SandboxRequest;
  /** codex/claude: called once the session id is known, and with the resume decision at start. */
  onSession?: (s: AgentSession) => void;
}

/** What a codex/claude attempt knows of its session before it ends (journaled, sent with `running`). */
export interface AgentSession {
  session_id: string | null;
  resumed?: boolean;
  resumed_from?: number;
  resume_note?: string;
}

export type OutputStream = 'stdout' | 'stderr';
export type OutputSink = (stream: OutputStream, data: string) => void;

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** Set when the process could not be started at all (ENOENT, EACCES, ...). */
  spawnError?: string;
  /** Set by in-process executors that return their result directly instead of a result file. */
  result?: unknown;
  /** Set by the codex and claude executors: what the agent's event stream said. */
  agent?: AgentReading;
}

export interface RunningProcess {
  /** Process id (= process group id: every attempt runs detached in its own group); null in-process. */
  pid: number | null;
  /** True when no process was spawned (the in-process mock); pid null otherwise means spawn failed. */
  inProcess?: boolean;
  exited: Promise<ExitInfo>;
  /** Kill the whole process tree: SIGTERM to the group, SIGKILL after the grace. Idempotent. */
  kill(): Promise<void>;
}

export interface ExecutorCheck {
  ok: boolean;
  message: string;
}

/** Thrown by `start` when the executor cannot run on this host (e.g. its binary is missing). */
export class ExecutorUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecutorUnavailableError';
  }
}

export interface Executor {
  readonly name: string;
  check(): Promise<ExecutorCheck>;
  /**
   * True when `start` with these `executor_params` spawns no process (the in-process mock): the runner
   * then writes no prompt/result files for the attempt. Absent = always spawns.
   */
  runsInProcess?(params: Record<string, unknown>): boolean;
  start(req: ExecRequest, onOutput: OutputSink): RunningProcess;
}
