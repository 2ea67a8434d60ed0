import { TASK_STATUSES, type TaskStatus } from '@multyagents/contracts';
import { describe, expect, it } from 'vitest';
import {
  eventFromKey,
  isTerminalTask,
  TASK_EVENT_KEYS,
  transitionTask,
} from '../../src/domain/taskMachine.js';

/** The expected table, written out independently of the implementation's table. */
const LEGAL: Record<string, Partial<Record<TaskStatus, TaskStatus>>> = {
  dispatch: { created: 'dispatched' },
  submitted: { dispatched: 'queued', queued: 'queued', running: 'running' },
  'submit-failed': { dispatched: 'submit-failed' },
  'submit-refused': { dispatched: 'submit-failed' },
  'start-timeout': { created: 'submit-failed' },
  'report:running': { dispatched: 'running', queued: 'running', running: 'running' },
  'report:success': {
    dispatched: 'success',
    queued: 'success',
    running: 'success',
    'cancel-requested': 'success',
    success: 'success',
  },
  'report:failed': {
    dispatched: 'failed',
    queued: 'failed',
    running: 'failed',
    'cancel-requested': 'failed',
    failed: 'failed',
  },
  'report:canceled': {
    dispatched: 'canceled',
    queued: 'canceled',
    running: 'canceled',
    'cancel-requested': 'canceled',
    canceled: 'canceled',
  },
  lost: { dispatched: 'failed', queued: 'failed', running: 'failed', 'cancel-requested': 'failed' },
  timeout: { dispatched: 'failed', queued: 'failed', running: 'failed', 'cancel-requested': 'failed' },
  cancel: {
    created: 'canceled',
    dispatched: 'canceled',
    queued: 'canceled',
    running: 'canceled',
    'cancel-requested': 'canceled',
  },
  // An operator's partial rerun: only what ended without success starts over.
  rerun: { failed: 'created', canceled: 'created', 'submit-failed': 'created' },
};

describe('task state machine', () => {
  it('covers every (state, event) pair exactly as the table says', () => {
    let legal = 0;
    let refused = 0;
    for (const key of TASK_EVENT_KEYS) {
      for (const from of TASK_STATUSES) {
        const r = transitionTask(from, eventFromKey(key));
        const want = LEGAL[key]![from];
        if (want === undefined) {
          expect(r.ok, `${from} --${key}--> should be refused`).toBe(false);
          refused++;
        } else {
          expect(r, `${from} --${key}-->`).toMatchObject({ ok: true, next: want });
          legal++;
        }
      }
    }
    expect(legal + refused).toBe(TASK_EVENT_KEYS.length * TASK_STATUSES.length);
    expect(legal).toBeGreaterThan(30);
  });

  it('terminal states are absorbing: only a partial rerun moves them, and never out of success', () => {
    for (const from of TASK_STATUSES.filter(isTerminalTask)) {
      for (const key of TASK_EVENT_KEYS) {
        const r = transitionTask(from, eventFromKey(key, true));
        if (r.ok && key !== 'rerun') expect(r.next).toBe(from);
      }
    }
    expect(transitionTask('success', { type: 'rerun' })).toMatchObject({
      ok: false,
      code: 'ILLEGAL_TRANSITION',
    });
    expect(transitionTask('running', { type: 'rerun' })).toMatchObject({ ok: false });
  });

  it('repeats are no-ops, real moves are not', () => {
    expect(transitionTask('success', { type: 'report', status: 'success' })).toEqual({
      ok: true,
      next: 'success',
      noop: true,
    });
    expect(transitionTask('running', { type: 'report', status: 'success' })).toEqual({
      ok: true,
      next: 'success',
      noop: false,
    });
  });

  it('a retried failure goes back to created instead of its terminal state', () => {
    expect(transitionTask('running', { type: 'report', status: 'failed', retry: true })).toMatchObject({
      next: 'created',
    });
    expect(transitionTask('dispatched', { type: 'submit-failed', retry: true })).toMatchObject({
      next: 'created',
    });
    expect(transitionTask('running', { type: 'lost', retry: true })).toMatchObject({ next: 'created' });
    expect(transitionTask('dispatched', { type: 'submit-refused', retry: true })).toMatchObject({
      next: 'created',
    });
    expect(transitionTask('queued', { type: 'timeout', retry: false })).toMatchObject({ next: 'failed' });
  });

  it('refusals carry the stable code for the situation', () => {
    expect(transitionTask('running', { type: 'dispatch' })).toMatchObject({
      ok: false,
      code: 'TASK_NOT_DISPATCHABLE',
    });
    expect(transitionTask('success', { type: 'cancel' })).toMatchObject({
      ok: false,
      code: 'TASK_NOT_CANCELABLE',
    });
    expect(transitionTask('success', { type: 'report', status: 'running' })).toMatchObject({
      ok: false,
      code: 'ILLEGAL_TRANSITION',
    });
    expect(transitionTask('created', { type: 'report', status: 'success' })).toMatchObject({
      ok: false,
      code: 'ILLEGAL_TRANSITION',
    });
  });
});
