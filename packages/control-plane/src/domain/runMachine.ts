/**
 * Run state machine (pure).
 *
 *   created ──first dispatch──▶ running ──all tasks success──▶ success
 *      │                          │  ▲
 *      │                          │  │        any task failed / submit-failed / canceled ──▶ failed
 *      └──pause──▶ paused ◀─pause─┘  │
 *                    └────resume─────┘
 *   any non-terminal ──abort──▶ aborted
 *
 * Terminal: success, failed, aborted — absorbing, except that an operator's partial rerun takes a
 * `failed` run back to `running` (`rerun`; its failed tasks start over, domain/taskMachine.ts). The
 * status is derived from the tasks plus the operator's pause flag; pause, resume, abort and rerun are
 * the operator events. A resume is the operator setting the run going: it is `running` from then on
 * (its `started_at` is the resume), even before its first task is dispatched, as the first version
 * answered.
 */
import { DISPATCHING_RUN_STATUSES, TERMINAL_RUN_STATUSES, type RunStatus } from '@multyagents/contracts';

export function isTerminalRun(status: RunStatus): boolean {
  return TERMINAL_RUN_STATUSES.includes(status);
}

/** What a run's status derives from: counts of its tasks (aggregated by the store, see runTaskCounts). */
export interface RunCounts {
  current: RunStatus;
  total: number;
  succeeded: number;
  /** failed, submit-failed or canceled */
  unsuccessful: number;
  /** True once any task of the run was dispatched, or the operator resumed it. */
  started: boolean;
}

/** The status a run has given its tasks. Terminal states never change. */
export function deriveRunStatus(c: RunCounts): RunStatus {
  if (isTerminalRun(c.current)) return c.current;
  if (c.unsuccessful > 0) return 'failed';
  if (c.total > 0 && c.succeeded === c.total) return 'success';
  if (c.current === 'paused') return 'paused';
  return c.started ? 'running' : 'created';
}

export type RunOperatorEvent = 'pause' | 'resume' | 'abort' | 'rerun';

export type RunTransition =
  | { ok: true; next: RunStatus; noop: boolean }
  | { ok: false; code: 'RUN_STATE_CONFLICT'; from: RunStatus; event: RunOperatorEvent };

export function transitionRun(from: RunStatus, event: RunOperatorEvent): RunTransition {
  if (event === 'rerun')
    return from === 'failed'
      ? { ok: true, next: 'running', noop: false }
      : { ok: false, code: 'RUN_STATE_CONFLICT', from, event };
  if (isTerminalRun(from)) {
    return from === 'aborted' && event === 'abort'
      ? { ok: true, next: from, noop: true }
      : { ok: false, code: 'RUN_STATE_CONFLICT', from, event };
  }
  switch (event) {
    case 'pause':
      return { ok: true, next: 'paused', noop: from === 'paused' };
    case 'resume':
      if (from !== 'paused') return { ok: true, next: from, noop: true };
      return { ok: true, next: 'running', noop: false };
    case 'abort':
      return { ok: true, next: 'aborted', noop: false };
  }
}

/**
 * Whether the scheduler may start tasks of a run in this status. The store's candidate queries use the
 * same list (`DISPATCHING_RUN_STATUSES`) to narrow with an index.
 */
export function runAcceptsDispatch(status: RunStatus): boolean {
  return DISPATCHING_RUN_STATUSES.includes(status);
}
