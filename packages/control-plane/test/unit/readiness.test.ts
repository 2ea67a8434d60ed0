import type { RunStatus, TaskStatus } from '@multyagents/contracts';
import { describe, expect, it } from 'vitest';
import { readiness, type ReadinessFacts } from '../../src/domain/readiness.js';

describe('readiness', () => {
  const facts = (over: Partial<ReadinessFacts> = {}): ReadinessFacts => ({
    runStatus: 'running',
    lockPaths: [],
    heldLockPaths: [],
    status: 'created',
    dependencyStatuses: [],
    missingArtifacts: 0,
    approval: 'none',
    nextAttemptAt: null,
    now: 1_000,
    ...over,
  });

  it('is ready with no dependencies, with all dependencies succeeded, after the backoff and when approved', () => {
    expect(readiness(facts())).toEqual({ ready: true });
    expect(readiness(facts({ dependencyStatuses: ['success', 'success'] }))).toEqual({ ready: true });
    expect(readiness(facts({ nextAttemptAt: 1_000 }))).toEqual({ ready: true });
    expect(readiness(facts({ approval: 'approved' }))).toEqual({ ready: true });
  });

  it('is not ready unless the task is created', () => {
    for (const status of ['dispatched', 'queued', 'running', 'success', 'failed'] as TaskStatus[])
      expect(readiness(facts({ status }))).toEqual({ ready: false, reason: 'not created' });
  });

  it('tells failed dependencies from pending ones', () => {
    for (const bad of ['failed', 'submit-failed', 'canceled'] as TaskStatus[])
      expect(readiness(facts({ dependencyStatuses: ['running', bad] }))).toEqual({
        ready: false,
        reason: 'dependencies failed',
      });
    for (const pending of ['created', 'dispatched', 'queued', 'running'] as TaskStatus[])
      expect(readiness(facts({ dependencyStatuses: ['success', pending] }))).toEqual({
        ready: false,
        reason: 'dependencies not satisfied',
      });
  });

  it('checks artifacts, then approval, then backoff', () => {
    expect(readiness(facts({ missingArtifacts: 1, approval: 'pending', nextAttemptAt: 2_000 }))).toEqual({
      ready: false,
      reason: 'required handoff artifacts missing',
    });
    expect(readiness(facts({ approval: 'pending', nextAttemptAt: 2_000 }))).toEqual({
      ready: false,
      reason: 'approval pending',
    });
    expect(readiness(facts({ approval: 'rejected' }))).toEqual({ ready: false, reason: 'approval rejected' });
    expect(readiness(facts({ nextAttemptAt: 1_001 }))).toEqual({ ready: false, reason: 'backoff' });
  });

  it('refuses first of all in a run that does not dispatch (paused, ended); a task outside a run has none', () => {
    for (const runStatus of ['paused', 'aborted', 'failed', 'success'] as RunStatus[])
      expect(readiness(facts({ runStatus }))).toEqual({ ready: false, reason: 'run not active' });
    expect(readiness(facts({ runStatus: 'created' }))).toEqual({ ready: true });
    expect(readiness(facts({ runStatus: null }))).toEqual({ ready: true });
  });

  it('waits for its lock paths last: nested or equal paths held by an active task conflict', () => {
    const lockPaths = ['/p/src'];
    expect(readiness(facts({ lockPaths, heldLockPaths: [['/p/docs'], ['/p/srcx']] }))).toEqual({
      ready: true,
    });
    for (const held of [['/p/src'], ['/p'], ['/p/src/a.ts']])
      expect(readiness(facts({ lockPaths, heldLockPaths: [['/q'], held] }))).toEqual({
        ready: false,
        reason: 'lock conflict',
      });
    expect(readiness(facts({ heldLockPaths: [['/p']] }))).toEqual({ ready: true });
    expect(readiness(facts({ lockPaths, heldLockPaths: [['/p']], approval: 'pending' }))).toEqual({
      ready: false,
      reason: 'approval pending',
    });
  });
});
