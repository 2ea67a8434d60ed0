import { ATTEMPT_STATUSES, type AttemptStatus } from '@multyagents/contracts';
import { describe, expect, it } from 'vitest';
import {
  admitRunnerEvent,
  ATTEMPT_EVENT_KEYS,
  attemptEventFromKey,
  attemptEventOf,
  isCurrent,
  transitionAttempt,
} from '../../src/domain/attemptMachine.js';
import { eventFromKey, TASK_EVENT_KEYS, transitionTask } from '../../src/domain/taskMachine.js';

/** The expected table, written out independently of the implementation's table. */
const LEGAL: Record<string, Partial<Record<AttemptStatus, AttemptStatus>>> = {
  submitted: { dispatched: 'queued', queued: 'queued', running: 'running' },
  refused: { dispatched: 'refused' },
  'submit-failed': { dispatched: 'submit-failed' },
  'report:running': { dispatched: 'running', queued: 'running', running: 'running' },
  'report:success': { dispatched: 'success', queued: 'success', running: 'success', success: 'success' },
  'report:failed': { dispatched: 'failed', queued: 'failed', running: 'failed', failed: 'failed' },
  'report:canceled': {
    dispatched: 'canceled',
    queued: 'canceled',
    running: 'canceled',
    canceled: 'canceled',
  },
  lost: { dispatched: 'lost', queued: 'lost', running: 'lost' },
  timeout: { dispatched: 'timeout', queued: 'timeout', running: 'timeout' },
  cancel: { dispatched: 'canceled', queued: 'canceled', running: 'canceled' },
};
/** Closed by the API: everything said about them is stale. */
const FENCED: AttemptStatus[] = ['lost', 'timeout', 'submit-failed', 'refused'];

describe('attempt state machine', () => {
  it('covers every (state, event) pair exactly as the table says, with the refusal code', () => {
    expect(Object.keys(LEGAL).sort()).toEqual([...ATTEMPT_EVENT_KEYS].sort());
    let legal = 0;
    let stale = 0;
    let illegal = 0;
    for (const key of ATTEMPT_EVENT_KEYS) {
      for (const from of ATTEMPT_STATUSES) {
        const r = transitionAttempt(from, attemptEventFromKey(key));
        const want = LEGAL[key]![from];
        if (want !== undefined) {
          expect(r, `${from} --${key}-->`).toMatchObject({ ok: true, next: want, noop: want === from });
          legal++;
        } else if (FENCED.includes(from)) {
          expect(r, `${from} --${key}--> is stale`).toMatchObject({ ok: false, code: 'STALE_ATTEMPT' });
          stale++;
        } else {
          expect(r, `${from} --${key}--> is illegal`).toMatchObject({
            ok: false,
            code: 'ILLEGAL_TRANSITION',
          });
          illegal++;
        }
      }
    }
    expect(legal + stale + illegal).toBe(ATTEMPT_EVENT_KEYS.length * ATTEMPT_STATUSES.length);
    expect(stale).toBe(FENCED.length * ATTEMPT_EVENT_KEYS.length);
  });

  it('only the newest attempt, not yet passed by a retry, is current', () => {
    expect(isCurrent({ attempt: 2, status: 'running' }, { attempt: 2, status: 'running' })).toBe(true);
    expect(isCurrent({ attempt: 2, status: 'running' }, { attempt: 1, status: 'running' })).toBe(false);
    // the task went back to created for a retry: its last attempt speaks for it no more
    expect(isCurrent({ attempt: 2, status: 'created' }, { attempt: 2, status: 'lost' })).toBe(false);
    // the attempt that ended the task still answers repeats of its own report
    expect(isCurrent({ attempt: 2, status: 'success' }, { attempt: 2, status: 'success' })).toBe(true);
  });

  it('admits a runner event only for the current attempt, and only as its state allows', () => {
    const report = (status: 'running' | 'success') => ({ type: 'report' as const, status });
    expect(
      admitRunnerEvent(
        { attempt: 3, status: 'running' },
        { attempt: 2, status: 'running' },
        report('success'),
      ),
    ).toMatchObject({ ok: false, code: 'STALE_ATTEMPT' });
    expect(
      admitRunnerEvent({ attempt: 2, status: 'failed' }, { attempt: 2, status: 'lost' }, report('success')),
    ).toMatchObject({ ok: false, code: 'STALE_ATTEMPT' });
    expect(
      admitRunnerEvent(
        { attempt: 2, status: 'success' },
        { attempt: 2, status: 'success' },
        report('running'),
      ),
    ).toMatchObject({ ok: false, code: 'ILLEGAL_TRANSITION' });
    expect(
      admitRunnerEvent(
        { attempt: 2, status: 'success' },
        { attempt: 2, status: 'success' },
        report('success'),
      ),
    ).toMatchObject({ ok: true, noop: true });
    expect(
      admitRunnerEvent({ attempt: 2, status: 'queued' }, { attempt: 2, status: 'queued' }, report('running')),
    ).toMatchObject({ ok: true, next: 'running', noop: false });
  });

  it('moves with the task: every task event that leaves an active task moves its live attempt to a closed or live state', () => {
    for (const key of TASK_EVENT_KEYS) {
      for (const retry of [false, true]) {
        const ev = eventFromKey(key, retry);
        const aev = attemptEventOf(ev);
        for (const from of ['dispatched', 'queued', 'running'] as const) {
          const task = transitionTask(from, ev);
          if (!task.ok || task.noop) continue;
          expect(aev, `${key} from ${from} must move the attempt`).not.toBeNull();
          const att = transitionAttempt(from, aev!);
          expect(att.ok, `${from} --${key}--> on the attempt`).toBe(true);
          if (!att.ok) continue;
          // a task that is still active keeps a live attempt; one that ended or went back to created closes it
          const live = ['dispatched', 'queued', 'running'].includes(att.next);
          expect(live, `${from} --${key}(retry=${retry})--> task ${task.next}, attempt ${att.next}`).toBe(
            ['dispatched', 'queued', 'running'].includes(task.next),
          );
        }
      }
    }
  });
});
