import { describe, expect, it } from 'vitest';
import { pauseProblems, taskProblems, type AuditEvent, type TaskAudit } from '../../src/stress/invariants.js';

let nextId = 1;
const ev = (event_type: string, payload: Record<string, unknown> = {}): AuditEvent => ({
  id: nextId++,
  event_type,
  task_id: 7,
  run_id: 1,
  payload,
});

/** A clean audit of one gated task: approved, dispatched once, ran, succeeded. */
function clean(): TaskAudit {
  nextId = 1;
  return {
    task_id: 7,
    task: { id: 7, status: 'success', attempt: 1 },
    attempts: [{ attempt: 1, status: 'success' }],
    events: [
      ev('task.created'),
      ev('approval.pending'),
      ev('approval.approved'),
      ev('task.dispatched', { attempt: 1 }),
      ev('task.runner_queued'),
      ev('task.runner_status_updated', { status: 'running' }),
      ev('task.report_duplicate', { status: 'running' }),
      ev('task.runner_status_updated', { status: 'success' }),
      ev('task.report_refused', { code: 'STALE_ATTEMPT' }),
    ],
  };
}

describe('race-stress invariants', () => {
  it('accept a task that was raced but stayed consistent (duplicates recorded as duplicates)', () => {
    expect(taskProblems(clean())).toEqual([]);
  });

  it('catch a second dispatch of the same attempt', () => {
    const a = clean();
    a.events.push(ev('task.dispatched', { attempt: 1 }));
    expect(taskProblems(a).join('\n')).toMatch(/attempt 1 dispatched 2 times/);
  });

  it('catch a transition recorded twice and anything after success', () => {
    const a = clean();
    a.events.splice(6, 0, ev('task.runner_status_updated', { status: 'running' }));
    a.events.push(ev('task.runner_status_updated', { status: 'running' }));
    const p = taskProblems(a).join('\n');
    expect(p).toMatch(/transition 1:task.runner_status_updated:running recorded twice/);
    expect(p).toMatch(/after success/);
  });

  it('catch a dispatch before the approval, and one after a rejection', () => {
    const early = clean();
    early.events = early.events.filter((e) => e.event_type !== 'approval.approved');
    early.events.push(ev('approval.approved'));
    expect(taskProblems(early).join('\n')).toMatch(/before approval/);
    const rejected = clean();
    rejected.events = rejected.events.map((e) =>
      e.event_type === 'approval.approved' ? { ...e, event_type: 'approval.rejected' } : e,
    );
    expect(taskProblems(rejected).join('\n')).toMatch(/although rejected/);
  });

  it('catch attempts that are not numbered 1..n or do not match the dispatch events', () => {
    const a = clean();
    a.attempts = [{ attempt: 2, status: 'success' }];
    a.task.attempt = 2;
    expect(taskProblems(a).join('\n')).toMatch(/not numbered 1..n/);
    const b = clean();
    b.attempts.push({ attempt: 2, status: 'queued' });
    expect(taskProblems(b).join('\n')).toMatch(/1 task.dispatched events for 2 attempts/);
  });

  it('catch an unknown status', () => {
    const a = clean();
    a.task.status = 'half-done';
    expect(taskProblems(a).join('\n')).toMatch(/unknown status half-done/);
  });

  it('catch a dispatch while the run was paused, not one after resume', () => {
    nextId = 1;
    const ok = [ev('workflow_run.paused'), ev('workflow_run.resumed'), ev('task.dispatched', { attempt: 1 })];
    expect(pauseProblems(1, ok)).toEqual([]);
    const bad = [
      ev('workflow_run.paused'),
      ev('task.dispatched', { attempt: 1 }),
      ev('workflow_run.resumed'),
    ];
    expect(pauseProblems(1, bad).join('\n')).toMatch(/dispatched \(event 5\) while paused/);
  });
});
