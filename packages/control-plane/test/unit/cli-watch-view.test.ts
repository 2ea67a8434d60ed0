import { describe, expect, it } from 'vitest';
import { clock, transitionLine, transitionOf, type StreamEvent } from '../../src/cli/watchView.js';

const look = {
  step: (id: number) => (id === 7 ? 'build' : null),
  runner: (id: number) => (id === 7 ? 'runner-1' : null),
};

function ev(event_type: string, payload: Record<string, unknown>, task_id: number | null = 7): StreamEvent {
  return { id: 42, event_type, run_id: 3, task_id, payload, created_at: '2026-12-06T07:55:07.5Z' };
}

describe('watch transitions', () => {
  it('a task transition: step, from → to, attempt, runner, failure category', () => {
    const t = transitionOf(
      ev('task.runner_status_updated', {
        from: 'running',
        to: 'failed',
        attempt: 2,
        failure_category: 'agent-error',
      }),
      look,
    )!;
    expect(t).toMatchObject({
      kind: 'task',
      task_id: 7,
      step_id: 'build',
      from: 'running',
      to: 'failed',
      attempt: 2,
    });
    expect(transitionLine(t)).toBe(
      '07:55:07.500  task 7 build  running → failed  attempt 2, on runner-1, category agent-error',
    );
  });

  it('a run transition, with the operator reason', () => {
    const t = transitionOf(
      ev('workflow_run.aborted', { from: 'running', to: 'aborted', reason: 'enough' }, null),
      look,
    )!;
    expect(transitionLine(t)).toBe('07:55:07.500  run 3  running → aborted  (enough)');
  });

  it('a retry and an approval decision', () => {
    const r = transitionOf(
      ev('task.retry_scheduled', { failed_attempt: 1, retry_number: 1, delay_ms: 500 }),
      look,
    )!;
    expect(transitionLine(r)).toBe('07:55:07.500  task 7 build  attempt 1 failed, retry 1 in 500 ms');
    const a = transitionOf(ev('approval.approved', { approval_id: 2, actor: 'ann', comment: 'ok' }), look)!;
    expect(transitionLine(a)).toBe('07:55:07.500  task 7 build  approval approved  (approval 2 by ann ok)');
  });

  it('events that change no status are not transitions', () => {
    expect(transitionOf(ev('task.created', {}), look)).toBeNull();
    expect(
      transitionOf(ev('task.runner_status_updated', { from: 'running', to: 'running' }), look),
    ).toBeNull();
    expect(transitionOf(ev('artifact.created', { from: 'a', to: 'b' }), look)).toBeNull();
    expect(transitionOf(ev('task.dispatched', { from: 'created', to: 'dispatched' }, null), look)).toBeNull();
  });

  it('clock keeps the time of an ISO timestamp', () => {
    expect(clock('2026-12-06T07:55:07.123Z')).toBe('07:55:07.123');
    expect(clock('2026-12-06T07:55:07Z')).toBe('07:55:07.000');
    expect(clock('soon')).toBe('soon');
  });
});
