/**
 * Task state machine (pure, table-driven).
 *
 *   created ──dispatch──▶ dispatched ──submitted──▶ queued ──running──▶ running
 *      │                      │                        │                  │
 *      │ start-timeout        │ submit-failed          └──── success / failed / canceled (reports)
 *      ▼                      ▼ submit-refused                lost / timeout (API-side detection)
 *   submit-failed        submit-failed
 *
 * Terminal: success, failed, canceled, submit-failed — absorbing for everything but an operator's
 * partial rerun (`rerun`: failed, canceled or submit-failed → created; the next dispatch opens a new
 * attempt, so attempt numbers and their fencing keep increasing). Nothing ever leaves `success`.
 * A failure that the retry policy retries goes back to `created` (the next attempt waits for its
 * backoff) instead of to its terminal state; so does a submit the runner refused because it was busy
 * or draining (`submit-refused`, no retry spent). Whether an event retries is decided outside
 * (domain/retry.ts `decideRetry`: never in a run that has ended) and arrives as its `retry` flag.
 * `cancel-requested` is part of the wire vocabulary; our cancel is immediate (the runner is told when
 * reachable), so only old data can carry it. The attempt that a task's events close moves with it
 * (domain/attemptMachine.ts; services/lifecycle.ts writes both).
 */
import {
  ACTIVE_TASK_STATUSES,
  TERMINAL_TASK_STATUSES,
  UNSUCCESSFUL_TASK_STATUSES,
  type TaskStatus,
} from '@multyagents/contracts';
import type { ReportKey } from './attemptMachine.js';

export type TaskEvent =
  | { type: 'dispatch' }
  | { type: 'submitted' }
  | { type: 'submit-failed'; retry: boolean }
  | { type: 'submit-refused'; retry: boolean }
  | { type: 'start-timeout' }
  | { type: 'report'; status: 'running' | 'success' | 'failed' | 'canceled'; retry?: boolean }
  | { type: 'lost'; retry: boolean }
  | { type: 'timeout'; retry: boolean }
  | { type: 'cancel' }
  | { type: 'rerun' };

export type TransitionRefusal = 'ILLEGAL_TRANSITION' | 'TASK_NOT_DISPATCHABLE' | 'TASK_NOT_CANCELABLE';

export type TransitionResult =
  | { ok: true; next: TaskStatus; noop: boolean }
  | { ok: false; code: TransitionRefusal; from: TaskStatus; event: string };

const ACTIVE = ACTIVE_TASK_STATUSES;
const FINISHABLE = ACTIVE_TASK_STATUSES;

type Key =
  | 'dispatch'
  | 'submitted'
  | 'submit-failed'
  | 'submit-refused'
  | 'start-timeout'
  | ReportKey
  | 'lost'
  | 'timeout'
  | 'cancel'
  | 'rerun';

/** Legal transitions: key → from-states → next. `*retry` resolves by the event's retry flag. */
const TABLE: Record<
  Key,
  { from: readonly TaskStatus[]; to: TaskStatus | 'retry-or-failed' | 'retry-or-submit-failed' }
> = {
  dispatch: { from: ['created'], to: 'dispatched' },
  submitted: { from: ['dispatched'], to: 'queued' },
  'submit-failed': { from: ['dispatched'], to: 'retry-or-submit-failed' },
  'submit-refused': { from: ['dispatched'], to: 'retry-or-submit-failed' },
  'start-timeout': { from: ['created'], to: 'submit-failed' },
  'report:running': { from: ['dispatched', 'queued'], to: 'running' },
  'report:success': { from: FINISHABLE, to: 'success' },
  'report:failed': { from: FINISHABLE, to: 'retry-or-failed' },
  'report:canceled': { from: FINISHABLE, to: 'canceled' },
  lost: { from: ACTIVE, to: 'retry-or-failed' },
  timeout: { from: ACTIVE, to: 'retry-or-failed' },
  cancel: { from: ['created', ...ACTIVE], to: 'canceled' },
  rerun: { from: UNSUCCESSFUL_TASK_STATUSES, to: 'created' },
};

/** Repeats that answer 200 and change nothing (idempotent reports). */
const IDEMPOTENT: Partial<Record<Key, TaskStatus[]>> = {
  submitted: ['queued', 'running'],
  'report:running': ['running'],
  'report:success': ['success'],
  'report:failed': ['failed'],
  'report:canceled': ['canceled'],
};

function keyOf(event: TaskEvent): Key {
  return event.type === 'report' ? (`report:${event.status}` as Key) : event.type;
}

export function isTerminalTask(status: TaskStatus): boolean {
  return TERMINAL_TASK_STATUSES.includes(status);
}

export function isActiveTask(status: TaskStatus): boolean {
  return ACTIVE.includes(status);
}

/** Ended without success (failed, submit-failed, canceled): what fails a run. */
export function isUnsuccessfulTask(status: TaskStatus): boolean {
  return UNSUCCESSFUL_TASK_STATUSES.includes(status);
}

/** Events after which the task may go back to `created` for another attempt (see `retry`). */
export function mayRetry(event: TaskEvent): boolean {
  return (
    event.type === 'submit-failed' ||
    event.type === 'submit-refused' ||
    event.type === 'lost' ||
    event.type === 'timeout' ||
    (event.type === 'report' && event.status === 'failed')
  );
}

export function transitionTask(from: TaskStatus, event: TaskEvent): TransitionResult {
  const key = keyOf(event);
  if (IDEMPOTENT[key]?.includes(from)) return { ok: true, next: from, noop: true };
  const rule = TABLE[key];
  if (!rule.from.includes(from)) {
    const code: TransitionRefusal =
      key === 'dispatch'
        ? 'TASK_NOT_DISPATCHABLE'
        : key === 'cancel'
          ? 'TASK_NOT_CANCELABLE'
          : 'ILLEGAL_TRANSITION';
    return { ok: false, code, from, event: key };
  }
  const retry = 'retry' in event && event.retry === true;
  let next: TaskStatus;
  if (rule.to === 'retry-or-failed') next = retry ? 'created' : 'failed';
  else if (rule.to === 'retry-or-submit-failed') next = retry ? 'created' : 'submit-failed';
  else next = rule.to;
  return { ok: true, next, noop: false };
}

/** Every (state, event-key) pair, for exhaustive tests and docs. */
export const TASK_EVENT_KEYS = Object.keys(TABLE) as Key[];
export function eventFromKey(key: Key, retry = false): TaskEvent {
  if (key.startsWith('report:')) {
    return { type: 'report', status: key.slice(7) as 'running', retry };
  }
  if (key === 'submit-failed' || key === 'submit-refused' || key === 'lost' || key === 'timeout')
    return { type: key, retry };
  return { type: key } as TaskEvent;
}
