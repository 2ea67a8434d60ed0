import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  classifyDelivery,
  decideSubmit,
  mayProbe,
  originOf,
  outcomeOf,
  planRecovery,
  probeDelayMs,
} from '../../src/runner/decisions.js';

describe('decideSubmit', () => {
  const base = {
    attempt: 2,
    exact: undefined,
    newest: undefined,
    draining: false,
    activeCount: 0,
    capacity: 2,
  };

  it('accepts a new attempt when there is room', () => {
    expect(decideSubmit(base)).toEqual({ kind: 'accept', supersede: null });
  });

  it('answers a known attempt as a duplicate, even while draining or full', () => {
    const exact = { status: 'running' };
    expect(decideSubmit({ ...base, exact, draining: true, activeCount: 5 })).toEqual({ kind: 'duplicate' });
  });

  it('fences an attempt older than the newest known', () => {
    expect(decideSubmit({ ...base, newest: { attempt: 3, status: 'success' } })).toEqual({
      kind: 'stale',
      newest: 3,
    });
  });

  it('supersedes a still running older attempt, whose slot it takes over', () => {
    const d = decideSubmit({ ...base, newest: { attempt: 1, status: 'running' }, activeCount: 2 });
    expect(d).toEqual({ kind: 'accept', supersede: 1 });
  });

  it('does not supersede a finished older attempt', () => {
    const d = decideSubmit({ ...base, newest: { attempt: 1, status: 'failed' } });
    expect(d).toEqual({ kind: 'accept', supersede: null });
  });

  it('refuses when full, and when draining', () => {
    expect(decideSubmit({ ...base, activeCount: 2 })).toEqual({ kind: 'capacity' });
    expect(decideSubmit({ ...base, draining: true })).toEqual({ kind: 'draining' });
  });
});

describe('classifyDelivery', () => {
  it('acks 2xx, records 409 as an answer, dead-letters other 4xx, retries the rest', () => {
    expect(classifyDelivery(200)).toBe('ack');
    expect(classifyDelivery(204)).toBe('ack');
    expect(classifyDelivery(409)).toBe('answered');
    expect(classifyDelivery(401)).toBe('dead');
    expect(classifyDelivery(404)).toBe('dead');
    expect(classifyDelivery(422)).toBe('dead');
    expect(classifyDelivery(429)).toBe('retry');
    expect(classifyDelivery(408)).toBe('retry');
    expect(classifyDelivery(500)).toBe('retry');
    expect(classifyDelivery(503)).toBe('retry');
    expect(classifyDelivery(null)).toBe('retry');
  });
});

describe('backoffMs', () => {
  it('doubles from 200 ms and is capped', () => {
    const mid = () => 0.5; // no jitter
    expect([1, 2, 3, 4, 5, 6, 10].map((t) => backoffMs(t, 5000, mid))).toEqual([
      200, 400, 800, 1600, 3200, 5000, 5000,
    ]);
  });

  it('jitters within ±20 % and never exceeds the cap', () => {
    expect(backoffMs(3, 5000, () => 0)).toBe(640);
    expect(backoffMs(3, 5000, () => 1)).toBe(960);
    expect(backoffMs(20, 5000, () => 1)).toBe(5000);
  });
});

describe('outcomeOf', () => {
  it('maps exits to statuses and failure steps', () => {
    expect(outcomeOf({ code: 0, signal: null }, null, 5).status).toBe('success');
    expect(outcomeOf({ code: 3, signal: null }, null, 5)).toMatchObject({
      status: 'failed',
      exit_code: 3,
      failure_step: 'run',
    });
    expect(outcomeOf({ code: null, signal: 'SIGKILL' }, null, 5)).toMatchObject({
      status: 'failed',
      failure_step: 'run',
      message: expect.stringContaining('SIGKILL'),
    });
    expect(outcomeOf({ code: null, signal: null, spawnError: 'spawn x ENOENT' }, null, 5)).toMatchObject({
      status: 'failed',
      failure_step: 'spawn',
    });
  });

  it('lets the kill we asked for decide, whatever the agent exited with', () => {
    expect(outcomeOf({ code: 0, signal: null }, 'cancel', 5)).toMatchObject({
      status: 'canceled',
      failure_step: 'cancel',
    });
    expect(outcomeOf({ code: null, signal: 'SIGTERM' }, 'timeout', 7)).toMatchObject({
      status: 'failed',
      failure_step: 'timeout',
      message: expect.stringContaining('7s'),
    });
    expect(outcomeOf({ code: null, signal: 'SIGTERM' }, 'shutdown', 5)).toMatchObject({
      status: 'failed',
      failure_step: 'runner-restarted',
    });
    expect(outcomeOf({ code: null, signal: 'SIGTERM' }, 'superseded', 5).status).toBe('canceled');
  });
});

describe('planRecovery', () => {
  const row = (task_id: number, status: string, pid: number | null) => ({
    task_id,
    attempt: 1,
    status,
    pid,
    proc_start: pid ? 'T' : null,
    runner_pid: 99,
  });

  it('fails every queued or running attempt, kills only a verified leftover process', () => {
    const plan = planRecovery(
      [row(1, 'running', 100), row(2, 'running', 200), row(3, 'queued', null), row(4, 'success', 400)],
      (pid) => pid === 100,
    );
    expect(plan.map((p) => [p.task_id, p.killGroup])).toEqual([
      [1, 100],
      [2, null],
      [3, null],
    ]);
    expect(plan[0].message).toContain('previous runner pid 99');
    expect(plan[2].message).toContain('before the agent was started');
  });
});

describe('outbox probe decisions', () => {
  it('takes the origin of a report URL, null for a non-URL', () => {
    expect(originOf('http://127.0.0.1:48000/runner/tasks/1/status')).toBe('http://127.0.0.1:48000');
    expect(originOf('not a url')).toBeNull();
  });

  it('probes the configured API and loopback origins only', () => {
    const api = 'https://api.example:8443/';
    expect(mayProbe('https://api.example:8443', api)).toBe(true);
    expect(mayProbe('http://127.0.0.1:48000', api)).toBe(true);
    expect(mayProbe('http://localhost:48000', api)).toBe(true);
    expect(mayProbe('http://[::1]:48000', api)).toBe(true);
    expect(mayProbe('https://api.example:9999', api)).toBe(false);
    expect(mayProbe('http://10.0.0.5:48000', api)).toBe(false);
    expect(mayProbe('garbage', api)).toBe(false);
  });

  it('probes often during a short outage and ten times less after 30 s', () => {
    expect(probeDelayMs(0, 100)).toBe(100);
    expect(probeDelayMs(29_999, 100)).toBe(100);
    expect(probeDelayMs(30_000, 100)).toBe(1000);
  });
});
