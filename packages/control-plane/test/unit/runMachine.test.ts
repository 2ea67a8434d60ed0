import { RUN_STATUSES } from '@multyagents/contracts';
import { describe, expect, it } from 'vitest';
import {
  deriveRunStatus,
  isTerminalRun,
  runAcceptsDispatch,
  transitionRun,
} from '../../src/domain/runMachine.js';

describe('run state machine', () => {
  it('derives the status from the tasks', () => {
    expect(
      deriveRunStatus({ current: 'created', taskStatuses: ['created', 'created'], started: false }),
    ).toBe('created');
    expect(
      deriveRunStatus({ current: 'created', taskStatuses: ['dispatched', 'created'], started: true }),
    ).toBe('running');
    expect(deriveRunStatus({ current: 'running', taskStatuses: ['success', 'success'], started: true })).toBe(
      'success',
    );
    expect(
      deriveRunStatus({ current: 'running', taskStatuses: ['success', 'submit-failed'], started: true }),
    ).toBe('failed');
    expect(
      deriveRunStatus({ current: 'running', taskStatuses: ['canceled', 'running'], started: true }),
    ).toBe('failed');
    expect(deriveRunStatus({ current: 'paused', taskStatuses: ['success', 'created'], started: true })).toBe(
      'paused',
    );
    expect(deriveRunStatus({ current: 'paused', taskStatuses: ['success', 'success'], started: true })).toBe(
      'success',
    );
  });

  it('terminal runs never change, whatever the tasks say', () => {
    for (const current of RUN_STATUSES.filter(isTerminalRun)) {
      expect(deriveRunStatus({ current, taskStatuses: ['created'], started: false })).toBe(current);
      expect(transitionRun(current, 'pause', true).ok).toBe(false);
      expect(transitionRun(current, 'resume', true).ok).toBe(false);
    }
    expect(transitionRun('aborted', 'abort', true)).toEqual({ ok: true, next: 'aborted', noop: true });
    expect(transitionRun('success', 'abort', true)).toMatchObject({ ok: false, code: 'RUN_STATE_CONFLICT' });
  });

  it('pause and resume', () => {
    expect(transitionRun('running', 'pause', true)).toEqual({ ok: true, next: 'paused', noop: false });
    expect(transitionRun('paused', 'pause', true)).toEqual({ ok: true, next: 'paused', noop: true });
    expect(transitionRun('paused', 'resume', true)).toEqual({ ok: true, next: 'running', noop: false });
    expect(transitionRun('paused', 'resume', false)).toEqual({ ok: true, next: 'created', noop: false });
    expect(transitionRun('running', 'resume', true)).toEqual({ ok: true, next: 'running', noop: true });
    expect(transitionRun('created', 'abort', false)).toEqual({ ok: true, next: 'aborted', noop: false });
    expect(runAcceptsDispatch('paused')).toBe(false);
    expect(runAcceptsDispatch('running')).toBe(true);
  });
});
