import { RUN_STATUSES, type RunStatus } from '@multyagents/contracts';
import { describe, expect, it } from 'vitest';
import {
  deriveRunStatus,
  isTerminalRun,
  runAcceptsDispatch,
  transitionRun,
} from '../../src/domain/runMachine.js';

describe('run state machine', () => {
  it('derives the status from the counts of its tasks', () => {
    const c = (
      current: RunStatus,
      total: number,
      succeeded: number,
      unsuccessful: number,
      started: boolean,
    ) => deriveRunStatus({ current, total, succeeded, unsuccessful, started });
    expect(c('created', 2, 0, 0, false)).toBe('created');
    expect(c('created', 2, 0, 0, true)).toBe('running');
    expect(c('running', 2, 2, 0, true)).toBe('success');
    expect(c('running', 2, 1, 1, true)).toBe('failed');
    expect(c('running', 2, 0, 1, true)).toBe('failed');
    expect(c('paused', 2, 1, 0, true)).toBe('paused');
    expect(c('paused', 2, 2, 0, true)).toBe('success');
    expect(c('running', 0, 0, 0, false)).toBe('created');
  });

  it('terminal runs never change, whatever the tasks say', () => {
    for (const current of RUN_STATUSES.filter(isTerminalRun)) {
      expect(deriveRunStatus({ current, total: 1, succeeded: 0, unsuccessful: 0, started: false })).toBe(
        current,
      );
      expect(transitionRun(current, 'pause').ok).toBe(false);
      expect(transitionRun(current, 'resume').ok).toBe(false);
    }
    expect(transitionRun('aborted', 'abort')).toEqual({ ok: true, next: 'aborted', noop: true });
    expect(transitionRun('success', 'abort')).toMatchObject({ ok: false, code: 'RUN_STATE_CONFLICT' });
  });

  it('pause and resume', () => {
    expect(transitionRun('running', 'pause')).toEqual({ ok: true, next: 'paused', noop: false });
    expect(transitionRun('paused', 'pause')).toEqual({ ok: true, next: 'paused', noop: true });
    // A resume sets the run going, started or not (v1 answered `running`; docs/compatibility.md).
    expect(transitionRun('paused', 'resume')).toEqual({ ok: true, next: 'running', noop: false });
    expect(transitionRun('running', 'resume')).toEqual({ ok: true, next: 'running', noop: true });
    expect(transitionRun('created', 'abort')).toEqual({ ok: true, next: 'aborted', noop: false });
    expect(runAcceptsDispatch('paused')).toBe(false);
    expect(runAcceptsDispatch('running')).toBe(true);
  });

  it('a partial rerun takes only a failed run back to running', () => {
    const want: Partial<Record<RunStatus, RunStatus>> = { failed: 'running' };
    for (const from of RUN_STATUSES) {
      const r = transitionRun(from, 'rerun');
      if (want[from]) expect(r).toEqual({ ok: true, next: want[from], noop: false });
      else expect(r).toMatchObject({ ok: false, code: 'RUN_STATE_CONFLICT', from, event: 'rerun' });
    }
  });
});
