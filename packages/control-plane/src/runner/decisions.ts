/**
 * The runner's decisions as pure functions (no I/O, no clock): what to do with a submit, with an
 * answer of the API to a report, with an exited agent, and with attempts found in the journal at start.
 */
import type { ExitInfo } from '../executors/types.js';

const ACTIVE = new Set(['queued', 'running']);
export const isActive = (status: string): boolean => ACTIVE.has(status);

export type SubmitDecision =
  | { kind: 'duplicate' }
  | { kind: 'stale'; newest: number }
  | { kind: 'draining' }
  | { kind: 'capacity' }
  | { kind: 'accept'; supersede: number | null };

/**
 * Order matters: a repeat of a known attempt is always answered with its state (idempotent, even while
 * draining or full); a lower attempt than the newest known is fenced; only then capacity.
 */
export function decideSubmit(input: {
  attempt: number;
  exact: { status: string } | undefined;
  newest: { attempt: number; status: string } | undefined;
  draining: boolean;
  activeCount: number;
  capacity: number;
}): SubmitDecision {
  if (input.exact) return { kind: 'duplicate' };
  const newest = input.newest;
  if (newest && newest.attempt > input.attempt) return { kind: 'stale', newest: newest.attempt };
  if (input.draining) return { kind: 'draining' };
  const supersede = newest && isActive(newest.status) ? newest.attempt : null;
  // The superseded attempt is being killed and frees its slot for its successor.
  const busy = input.activeCount - (supersede !== null ? 1 : 0);
  if (busy >= input.capacity) return { kind: 'capacity' };
  return { kind: 'accept', supersede };
}

export type Delivery = 'ack' | 'answered' | 'dead' | 'retry';

/**
 * How to treat the API's answer to a status report. 2xx: acknowledged. 409: the API has decided
 * (stale attempt, already terminal) — an answer, never retried. Other 4xx will not change by
 * retrying (bad token, unknown task, invalid body): dead letter, kept on disk. 408/425/429, 5xx and
 * network errors are transient: retry with backoff.
 */
export function classifyDelivery(status: number | null): Delivery {
  if (status === null) return 'retry';
  if (status >= 200 && status < 300) return 'ack';
  if (status === 409) return 'answered';
  if (status === 408 || status === 425 || status === 429) return 'retry';
  if (status >= 400 && status < 500) return 'dead';
  return 'retry';
}

/** Exponential backoff from 200 ms, capped, with ±20 % jitter so that runners do not retry in step. */
export function backoffMs(tries: number, capMs: number, random: () => number, baseMs = 200): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, tries - 1));
  const jitter = 0.8 + 0.4 * random();
  return Math.max(1, Math.min(capMs, Math.round(exp * jitter)));
}

/** `scheme://host:port` of a report's URL, or null when it is not a URL. */
export function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Whether the outbox may probe an API origin (GET /health) while reports to it wait on a network error:
 * the configured API, or any loopback origin — never an arbitrary host a report happens to name.
 */
export function mayProbe(origin: string, apiUrl: string): boolean {
  if (origin === originOf(apiUrl)) return true;
  try {
    return LOOPBACK.test(new URL(origin).hostname);
  } catch {
    return false;
  }
}

/**
 * Interval of the outbox's probe while reports wait on a network error. Short for the first 30 s (an
 * API restart, where every 100 ms of delay is a report late), then ten times longer (the API is really
 * gone: a probe a second is enough and costs it nothing when it returns).
 */
export function probeDelayMs(outageMs: number, probeMs: number): number {
  return outageMs < 30_000 ? probeMs : probeMs * 10;
}

export type KillReason = 'cancel' | 'timeout' | 'superseded' | 'shutdown';

export interface Outcome {
  status: 'success' | 'failed' | 'canceled';
  exit_code: number | null;
  failure_step: 'spawn' | 'run' | 'timeout' | 'cancel' | 'runner-restarted' | 'workspace' | null;
  message: string;
}

/**
 * A kill we asked for decides the outcome, whatever the agent did while dying. `oomKills`: how many
 * processes the kernel's OOM killer killed in the agent's memory cgroup while it ran (runner/oomKills.ts;
 * null when unknown) — named in the message of a SIGKILL we did not send.
 */
export function outcomeOf(
  exit: ExitInfo,
  killReason: KillReason | null,
  timeoutS: number,
  oomKills: number | null = null,
): Outcome {
  const code = exit.code;
  if (killReason === 'timeout') {
    return {
      status: 'failed',
      exit_code: code,
      failure_step: 'timeout',
      message: `timed out after ${timeoutS}s: the agent's process tree was killed`,
    };
  }
  if (killReason === 'shutdown') {
    // Not an operator's cancel: the infrastructure interrupted the work. The API triages it like a
    // runner restart (runner-lost), retried when the role's policy allows runner-transient retries.
    return {
      status: 'failed',
      exit_code: code,
      failure_step: 'runner-restarted',
      message: 'interrupted: the runner shut down before the attempt finished (its drain grace ran out)',
    };
  }
  if (killReason !== null) {
    const why = killReason === 'cancel' ? 'canceled on request' : 'superseded by a newer attempt';
    return { status: 'canceled', exit_code: code, failure_step: 'cancel', message: why };
  }
  if (exit.spawnError) {
    return {
      status: 'failed',
      exit_code: null,
      failure_step: 'spawn',
      message: `the agent could not be started: ${exit.spawnError}`,
    };
  }
  if (code === 0)
    return { status: 'success', exit_code: 0, failure_step: null, message: 'agent exited with code 0' };
  if (code !== null) {
    return {
      status: 'failed',
      exit_code: code,
      failure_step: 'run',
      message: `agent exited with code ${code}`,
    };
  }
  const oom =
    exit.signal === 'SIGKILL' && oomKills !== null && oomKills > 0
      ? `: the kernel's OOM killer killed ${oomKills} process${oomKills > 1 ? 'es' : ''} in the agent's ` +
        'memory cgroup while it ran, most likely the agent (out of memory)'
      : '';
  return {
    status: 'failed',
    exit_code: null,
    failure_step: 'run',
    message: `agent was killed by signal ${exit.signal ?? 'unknown'}${oom}`,
  };
}

export interface RecoveryAction {
  task_id: number;
  attempt: number;
  /** Process group of the dead runner's agent, still alive: kill it before reporting. */
  killGroup: number | null;
  message: string;
}

/**
 * At start every journaled attempt that is still queued or running belonged to a runner process
 * that died. None is run again (the API may already have retried it elsewhere: running it here
 * would execute it twice); each is reported failed with step `runner-restarted`. `sameProcess`
 * tells whether a recorded pid is still the very process we spawned (pid + kernel start time).
 */
export function planRecovery(
  rows: Array<{
    task_id: number;
    attempt: number;
    status: string;
    pid: number | null;
    proc_start: string | null;
    runner_pid: number;
  }>,
  sameProcess: (pid: number, procStart: string | null) => boolean,
): RecoveryAction[] {
  return rows
    .filter((r) => isActive(r.status))
    .map((r) => {
      const alive = r.pid !== null && sameProcess(r.pid, r.proc_start);
      const what =
        r.status === 'queued'
          ? 'before the agent was started'
          : `while the agent (pid ${r.pid ?? '?'}) was running`;
      return {
        task_id: r.task_id,
        attempt: r.attempt,
        killGroup: alive ? r.pid : null,
        message:
          `the runner restarted ${what} (previous runner pid ${r.runner_pid}); ` +
          `the attempt was not resumed${alive ? ' and its leftover process tree was killed' : ''}`,
      };
    });
}
