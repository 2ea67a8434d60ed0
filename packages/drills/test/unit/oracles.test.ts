import { describe, expect, it } from 'vitest';
import {
  acknowledgedDurable,
  allSettled,
  eventualCompletion,
  executedExactlyOnce,
  executionsKnownToApi,
  lateReportRefused,
  msUntilEvent,
  noDuplicateExecution,
  noLostWork,
  noOrphanedAgents,
  safetyChecks,
  staleAttemptsFenced,
  terminalAbsorbing,
  transitionsConsistent,
} from '../../src/oracles.js';
import type { AckSnapshot, EventRec, History } from '../../src/types.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** A recorded history of a healthy 2-step run (tasks 1 → 2) on runner 7, built the way the API logs it. */
function goodHistory(): History {
  const events: EventRec[] = [];
  const ev = (
    event_type: string,
    task_id: number | null,
    payload: Record<string, unknown>,
    run_id: number | null = 1,
  ) =>
    events.push({
      id: events.length + 1,
      event_type,
      run_id,
      task_id,
      payload,
      created_at: new Date(T0 + events.length * 100).toISOString(),
    });
  ev('workflow_run.created', null, {});
  ev('task.created', 1, {});
  ev('task.created', 2, {});
  for (const id of [1, 2]) {
    ev('task.dispatched', id, { from: 'created', to: 'dispatched', attempt: 1, runner_id: 7 });
    if (id === 1) ev('workflow_run.running', null, { from: 'created', to: 'running' });
    ev('task.runner_queued', id, { from: 'dispatched', to: 'queued', attempt: 1 });
    ev('task.runner_status_updated', id, { from: 'queued', to: 'running', attempt: 1, runner_id: 7 });
    ev('task.runner_status_updated', id, { from: 'running', to: 'success', attempt: 1, runner_id: 7 });
  }
  ev('workflow_run.succeeded', null, { from: 'running', to: 'success' });
  return {
    events,
    runs: [{ id: 1, status: 'success', task_ids: [1, 2] }],
    tasks: [
      { id: 1, run_id: 1, status: 'success', attempt: 1 },
      { id: 2, run_id: 1, status: 'success', attempt: 1 },
    ],
    attempts: [
      { task_id: 1, attempt: 1, runner_id: 7, status: 'success' },
      { task_id: 2, attempt: 1, runner_id: 7, status: 'success' },
    ],
    ledger: [
      { task_id: 1, attempt: 1, pid: 101 },
      { task_id: 2, attempt: 1, pid: 102 },
    ],
  };
}

const created = [{ run_id: 1, task_ids: [1, 2] }];

function addEvent(h: History, e: Omit<EventRec, 'id' | 'created_at'>): void {
  h.events.push({
    ...e,
    id: h.events.length + 1,
    created_at: new Date(T0 + h.events.length * 100).toISOString(),
  });
}

describe('oracles on a healthy history', () => {
  it('every safety oracle holds, and completion and settlement are seen', () => {
    const h = goodHistory();
    for (const c of safetyChecks(h, created)) expect(c, c.name).toMatchObject({ valid: true });
    expect(allSettled(h, [1]).valid).toBe(true);
    expect(eventualCompletion(h, [1], 'success').valid).toBe(true);
    expect(executedExactlyOnce(h, [1, 2]).valid).toBe(true);
  });
});

describe('histories that must FAIL', () => {
  it('a duplicate ledger line (the same attempt executed twice)', () => {
    const h = goodHistory();
    h.ledger.push({ task_id: 2, attempt: 1, pid: 103 });
    const c = noDuplicateExecution(h);
    expect(c.valid).toBe(false);
    expect(c.detail).toContain('task 2 attempt 1 executed 2 times');
    expect(executedExactlyOnce(h, [1, 2]).valid).toBe(false);
  });

  it('an execution of an attempt the API never created', () => {
    const h = goodHistory();
    h.ledger.push({ task_id: 1, attempt: 2, pid: 104 });
    expect(noDuplicateExecution(h).detail).toContain('never created that attempt');
  });

  it('an execution of an attempt the API recorded as never started (submit-failed)', () => {
    const h = goodHistory();
    h.attempts.push({ task_id: 2, attempt: 2, runner_id: 7, status: 'submit-failed' });
    h.ledger.push({ task_id: 2, attempt: 2, pid: 105 });
    const c = executionsKnownToApi(h);
    expect(c.valid).toBe(false);
    expect(c.detail).toContain('task 2 attempt 2 executed (pid 105) but the API recorded it submit-failed');
    expect(executionsKnownToApi(goodHistory()).valid).toBe(true);
  });

  it('two successful attempts of one task', () => {
    const h = goodHistory();
    h.attempts.push({ task_id: 1, attempt: 2, runner_id: 8, status: 'success' });
    expect(noDuplicateExecution(h)).toMatchObject({ valid: false });
  });

  it('a transition out of success', () => {
    const h = goodHistory();
    addEvent(h, {
      event_type: 'task.runner_status_updated',
      run_id: 1,
      task_id: 2,
      payload: { from: 'success', to: 'running', attempt: 1, runner_id: 7 },
    });
    h.tasks[1]!.status = 'running';
    const c = terminalAbsorbing(h);
    expect(c.valid).toBe(false);
    expect(c.detail).toContain('task 2 left success');
    expect(noDuplicateExecution(h).valid).toBe(true);
  });

  it('a run leaving a terminal state', () => {
    const h = goodHistory();
    addEvent(h, {
      event_type: 'workflow_run.failed',
      run_id: 1,
      task_id: null,
      payload: { from: 'success', to: 'failed' },
    });
    expect(terminalAbsorbing(h).detail).toContain('run 1 left success');
  });

  it('a lost acknowledged run (and its tasks)', () => {
    const h = goodHistory();
    const snap: AckSnapshot = {
      at: 'before the crash',
      events: h.events.slice(0, 3),
      runs: [
        { id: 1, status: 'running' },
        { id: 2, status: 'created' },
      ],
      tasks: [
        { id: 1, status: 'running', attempt: 1 },
        { id: 3, status: 'created', attempt: 0 },
      ],
    };
    const c = acknowledgedDurable([snap], h);
    expect(c.valid).toBe(false);
    expect(c.detail).toContain('run 2 acknowledged at before the crash is gone');
    expect(c.detail).toContain('task 3 acknowledged');
    expect(noLostWork(h, [...created, { run_id: 2, task_ids: [3] }]).valid).toBe(false);
  });

  it('an acknowledged event that changed or vanished', () => {
    const h = goodHistory();
    const snap: AckSnapshot = {
      at: 't',
      events: [
        { ...h.events[3]!, payload: { from: 'created', to: 'dispatched', attempt: 2 } },
        { ...h.events[0]!, id: 999 },
      ],
      runs: [],
      tasks: [],
    };
    const c = acknowledgedDurable([snap], h);
    expect(c.detail).toContain('event 4 changed');
    expect(c.detail).toContain('event 999');
  });

  it('an acknowledged state its history never passed through', () => {
    const h = goodHistory();
    const c = acknowledgedDurable(
      [{ at: 't', events: [], runs: [], tasks: [{ id: 2, status: 'failed', attempt: 1 }] }],
      h,
    );
    expect(c).toMatchObject({ valid: false });
  });

  it('a state change without its event (a gap in the chain)', () => {
    const h = goodHistory();
    h.events = h.events.filter((e) => !(e.task_id === 1 && e.payload.to === 'running'));
    const c = transitionsConsistent(h);
    expect(c.valid).toBe(false);
    expect(c.detail).toContain('task 1');
  });

  it('a final status that its events do not explain', () => {
    const h = goodHistory();
    h.tasks[0]!.status = 'failed';
    expect(transitionsConsistent(h).detail).toContain('task 1 is failed but its events end in success');
  });

  it('a report applied from a runner that does not hold the attempt', () => {
    const h = goodHistory();
    const e = h.events.find((x) => x.task_id === 2 && x.payload.to === 'success')!;
    e.payload.runner_id = 8;
    const c = staleAttemptsFenced(h);
    expect(c.valid).toBe(false);
    expect(c.detail).toContain('report from runner 8');
  });

  it('a report applied for an old attempt, and an attempt number skipped', () => {
    const h = goodHistory();
    h.events.find((x) => x.task_id === 1 && x.payload.to === 'success')!.payload.attempt = 0;
    h.events.find((x) => x.task_id === 2 && x.event_type === 'task.dispatched')!.payload.attempt = 3;
    const c = staleAttemptsFenced(h);
    expect(c.detail).toContain('report for attempt 0 applied while attempt 1 was current');
    expect(c.detail).toContain('dispatched attempt 3 after attempt 0');
  });

  it('runs and tasks left active, or in the wrong end state', () => {
    const h = goodHistory();
    h.runs[0]!.status = 'running';
    h.tasks[1]!.status = 'queued';
    expect(allSettled(h, [1]).detail).toBe('run 1 is running; task 2 is queued');
    expect(eventualCompletion(h, [1], 'success').valid).toBe(false);
    expect(eventualCompletion(h, [], 'success').valid).toBe(false);
  });

  it('no run at all is not "nothing lost"', () => {
    expect(noLostWork(goodHistory(), []).valid).toBe(false);
  });

  it('an agent process that outlived the fault', () => {
    const h = goodHistory();
    expect(noOrphanedAgents(h, (pid) => pid === 102)).toMatchObject({
      valid: false,
      detail: 'agent processes still alive: 102',
    });
    expect(noOrphanedAgents(h, () => false).valid).toBe(true);
  });
});

describe('oracles that cannot be evaluated are inconclusive, not passed', () => {
  it('durability without any snapshot', () => {
    expect(acknowledgedDurable([], goodHistory())).toMatchObject({ valid: false, inconclusive: true });
  });

  it('fencing that was never exercised, and fencing that was', () => {
    const h = goodHistory();
    expect(lateReportRefused(h, 1, 1)).toMatchObject({ valid: false, inconclusive: true });
    addEvent(h, {
      event_type: 'task.report_refused',
      run_id: 1,
      task_id: 1,
      payload: { code: 'STALE_ATTEMPT', reported_attempt: 1, reported_status: 'success' },
    });
    expect(lateReportRefused(h, 1, 1)).toMatchObject({ valid: true });
    expect(staleAttemptsFenced(h).detail).toContain('1 stale reports refused');
  });

  it('orphan check without process information, or without pids', () => {
    expect(noOrphanedAgents(goodHistory(), () => null)).toMatchObject({ inconclusive: true });
    expect(noOrphanedAgents({ ...goodHistory(), ledger: [] }, () => false)).toMatchObject({
      inconclusive: true,
    });
  });
});

describe('timings from the event log', () => {
  it('measures from a moment to the first matching event at or after it', () => {
    const h = goodHistory();
    const success1 = h.events.find((e) => e.task_id === 1 && e.payload.to === 'success')!;
    expect(msUntilEvent(h, T0, (e) => e.id === success1.id)).toBe(Date.parse(success1.created_at) - T0);
    expect(msUntilEvent(h, T0 + 60_000, (e) => e.id === success1.id)).toBeNull();
  });
});
