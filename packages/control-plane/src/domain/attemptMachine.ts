/**
 * Attempt state machine (pure, table-driven) and fencing. An attempt is one try of a task on one
 * runner; its number is the fencing token that every runner report carries back.
 *
 *   dispatched ──submitted──▶ queued ──report running──▶ running
 *     │  │  │                    │                          │
 *     │  │  └─refused (runner busy or draining: the task is ready again, no retry spent)
 *     │  └─submit-failed         └── report success / failed / canceled (closed by the runner)
 *     │                              lost / timeout / cancel            (closed by the API)
 *     └──────────────────────────────── (any of these from dispatched, queued or running)
 *
 * Live: dispatched, queued, running. Closed by the runner's own report: success, failed, canceled —
 * a repeat of that report is an idempotent no-op, anything else a regression. Fenced (closed by the
 * API: lost, timeout, submit-failed, refused): nothing the runner says about it may change anything,
 * so every event on it is refused with STALE_ATTEMPT. A newer attempt fences every older one
 * (`isCurrent`).
 */
import { LIVE_ATTEMPT_STATUSES, type AttemptStatus, type RunnerReportStatus } from '@multyagents/contracts';
import type { TaskEvent } from './taskMachine.js';

export type AttemptEvent =
  | { type: 'submitted' }
  | { type: 'refused' }
  | { type: 'submit-failed' }
  | { type: 'report'; status: RunnerReportStatus }
  | { type: 'lost' }
  | { type: 'timeout' }
  | { type: 'cancel' };

export type AttemptRefusal = 'STALE_ATTEMPT' | 'ILLEGAL_TRANSITION';

export type AttemptTransition =
  | { ok: true; next: AttemptStatus; noop: boolean }
  | { ok: false; code: AttemptRefusal; from: AttemptStatus; event: AttemptEventKey };

/** A runner report's key in both machines' tables. */
export type ReportKey = `report:${RunnerReportStatus}`;

export type AttemptEventKey =
  'submitted' | 'refused' | 'submit-failed' | ReportKey | 'lost' | 'timeout' | 'cancel';

const LIVE = LIVE_ATTEMPT_STATUSES;
const FENCED: readonly AttemptStatus[] = ['lost', 'timeout', 'submit-failed', 'refused'];

/** Legal transitions: event → from-states → next. */
const TABLE: Record<AttemptEventKey, { from: readonly AttemptStatus[]; to: AttemptStatus }> = {
  submitted: { from: ['dispatched'], to: 'queued' },
  refused: { from: ['dispatched'], to: 'refused' },
  'submit-failed': { from: ['dispatched'], to: 'submit-failed' },
  'report:running': { from: ['dispatched', 'queued'], to: 'running' },
  'report:success': { from: LIVE, to: 'success' },
  'report:failed': { from: LIVE, to: 'failed' },
  'report:canceled': { from: LIVE, to: 'canceled' },
  lost: { from: LIVE, to: 'lost' },
  timeout: { from: LIVE, to: 'timeout' },
  cancel: { from: LIVE, to: 'canceled' },
};

/** Repeats that change nothing: a late submit answer after the runner's own report, a report sent twice. */
const IDEMPOTENT: Partial<Record<AttemptEventKey, readonly AttemptStatus[]>> = {
  submitted: ['queued', 'running'],
  'report:running': ['running'],
  'report:success': ['success'],
  'report:failed': ['failed'],
  'report:canceled': ['canceled'],
};

export const ATTEMPT_EVENT_KEYS = Object.keys(TABLE) as AttemptEventKey[];

export function attemptEventKey(e: AttemptEvent): AttemptEventKey {
  return e.type === 'report' ? `report:${e.status}` : e.type;
}

export function attemptEventFromKey(key: AttemptEventKey): AttemptEvent {
  return key.startsWith('report:')
    ? { type: 'report', status: key.slice('report:'.length) as RunnerReportStatus }
    : ({ type: key } as AttemptEvent);
}

export function isLiveAttempt(status: AttemptStatus): boolean {
  return LIVE.includes(status);
}

/** Closed by the API: the runner's view of it no longer counts. */
export function isFencedAttempt(status: AttemptStatus): boolean {
  return FENCED.includes(status);
}

export function transitionAttempt(from: AttemptStatus, event: AttemptEvent): AttemptTransition {
  const key = attemptEventKey(event);
  if (IDEMPOTENT[key]?.includes(from)) return { ok: true, next: from, noop: true };
  if (TABLE[key].from.includes(from)) return { ok: true, next: TABLE[key].to, noop: false };
  return {
    ok: false,
    code: isFencedAttempt(from) ? 'STALE_ATTEMPT' : 'ILLEGAL_TRANSITION',
    from,
    event: key,
  };
}

/**
 * Whether `attempt` is the one that speaks for `task` now: the task's newest attempt, and not one the
 * task has already moved past (a retry waiting in `created` has closed its last attempt).
 */
export function isCurrent(
  task: { attempt: number; status: string },
  attempt: { attempt: number; status: AttemptStatus },
): boolean {
  return attempt.attempt === task.attempt && !(task.status === 'created' && !isLiveAttempt(attempt.status));
}

/** Current and still live: the attempt the task is waiting on (placement, liveness, zombie checks). */
export function isLiveCurrent(
  task: { attempt: number; status: string },
  attempt: { attempt: number; status: AttemptStatus },
): boolean {
  return isLiveAttempt(attempt.status) && isCurrent(task, attempt);
}

/**
 * The fencing rule for anything a runner says about an attempt (a report, a submit's answer): the
 * attempt must be current, and the event legal from its state. A refusal says why, with the code the
 * caller answers.
 */
export function admitRunnerEvent(
  task: { attempt: number; status: string },
  attempt: { attempt: number; status: AttemptStatus },
  event: AttemptEvent,
): AttemptTransition {
  if (!isCurrent(task, attempt))
    return { ok: false, code: 'STALE_ATTEMPT', from: attempt.status, event: attemptEventKey(event) };
  return transitionAttempt(attempt.status, event);
}

/**
 * What a task event does to the task's live attempt; null when it closes none (`dispatch` opens a new
 * one, `start-timeout` ends a task that has no live attempt, `rerun` restarts a task that has none).
 */
export function attemptEventOf(event: TaskEvent): AttemptEvent | null {
  switch (event.type) {
    case 'dispatch':
    case 'start-timeout':
    case 'rerun':
      return null;
    case 'submit-refused':
      return { type: 'refused' };
    case 'report':
      return { type: 'report', status: event.status };
    default:
      return { type: event.type };
  }
}
