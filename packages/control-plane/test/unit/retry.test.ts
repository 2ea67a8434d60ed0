import { RetryPolicy } from '@multyagents/contracts';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, decideRetry, policyCovers, shouldRetry } from '../../src/domain/retry.js';

const policy = RetryPolicy.parse({
  max_retries: 3,
  retry_on: ['runner-transient', 'network'],
  backoff_initial_ms: 1000,
  backoff_max_ms: 5000,
  backoff_multiplier: 2,
  jitter: 0.5,
});

describe('retry policy and backoff', () => {
  it('maps first-version categories onto ours', () => {
    expect(policyCovers(policy, 'runner-lost')).toBe(true);
    expect(policyCovers(policy, 'runner-submit')).toBe(true);
    expect(policyCovers(policy, 'network')).toBe(true);
    expect(policyCovers(policy, 'test-regression')).toBe(false);
    expect(policyCovers(RetryPolicy.parse({ retry_on: ['flaky-test'] }), 'test-regression')).toBe(true);
  });

  it('retries only covered categories and only up to max_retries; never a cancel', () => {
    expect(shouldRetry(policy, 'network', 0)).toBe(true);
    expect(shouldRetry(policy, 'network', 2)).toBe(true);
    expect(shouldRetry(policy, 'network', 3)).toBe(false);
    expect(shouldRetry(policy, 'agent-error', 0)).toBe(false);
    expect(shouldRetry(RetryPolicy.parse({ max_retries: 5, retry_on: ['unknown'] }), 'canceled', 0)).toBe(
      false,
    );
  });

  it('grows exponentially, caps, and jitters downward within the jitter fraction', () => {
    const none = () => 0;
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(policy, n, none))).toEqual([
      1000, 2000, 4000, 5000, 5000,
    ]);
    expect(backoffDelayMs(policy, 1, () => 0.999999)).toBe(500);
    expect(backoffDelayMs(policy, 3, () => 0.5)).toBe(3000);
    for (let i = 0; i < 50; i++) {
      const d = backoffDelayMs(policy, 2, Math.random);
      expect(d).toBeGreaterThanOrEqual(1000);
      expect(d).toBeLessThanOrEqual(2000);
    }
  });

  it('the schema refuses out-of-range policies', () => {
    expect(RetryPolicy.safeParse({ max_retries: 11 }).success).toBe(false);
    expect(RetryPolicy.safeParse({ retry_on: ['whatever'] }).success).toBe(false);
  });

  it('never retries or requeues a task of a run that has ended; a runner refusal requeues otherwise', () => {
    const base = { policy, category: 'runner-lost' as const, retriesUsed: 0 };
    for (const runStatus of ['created', 'running', 'paused', null] as const) {
      expect(decideRetry({ ...base, cause: 'failure', runStatus })).toBe(true);
      expect(decideRetry({ ...base, cause: 'refused', runStatus, category: null })).toBe(true);
    }
    for (const runStatus of ['failed', 'aborted', 'success'] as const) {
      expect(decideRetry({ ...base, cause: 'failure', runStatus })).toBe(false);
      expect(decideRetry({ ...base, cause: 'refused', runStatus })).toBe(false);
    }
    expect(decideRetry({ ...base, cause: 'failure', runStatus: 'running', retriesUsed: 3 })).toBe(false);
    expect(decideRetry({ ...base, cause: 'failure', runStatus: 'running', category: null })).toBe(false);
  });
});
