/**
 * Retry decisions and backoff maths (pure). The policy names categories from the first version
 * (`network`, `flaky-test`, `runner-transient`) and any of ours; each maps to the failure categories
 * it covers.
 */
import type { FailureCategory, RetryPolicy } from '@multyagents/contracts';

const COVERS: Record<string, readonly FailureCategory[]> = {
  network: ['network'],
  'flaky-test': ['test-regression'],
  'runner-transient': ['runner-submit', 'runner-lost'],
};

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  max_retries: 0,
  retry_on: [],
  backoff_initial_ms: 1_000,
  backoff_max_ms: 60_000,
  backoff_multiplier: 2,
  jitter: 0.2,
};

export function policyCovers(policy: RetryPolicy, category: FailureCategory): boolean {
  return policy.retry_on.some((c) => (COVERS[c] ?? [c]).includes(category));
}

/** Whether a failure with this category, after `retriesUsed` retries, gets another attempt. */
export function shouldRetry(policy: RetryPolicy, category: FailureCategory, retriesUsed: number): boolean {
  if (category === 'canceled') return false;
  return retriesUsed < policy.max_retries && policyCovers(policy, category);
}

/**
 * Delay before retry number `retryNumber` (1-based): initial × multiplier^(n-1), capped, then jittered
 * down by up to `jitter` of itself. `random` is injected (0 ≤ r < 1) so tests are exact.
 */
export function backoffDelayMs(policy: RetryPolicy, retryNumber: number, random: () => number): number {
  const n = Math.max(1, retryNumber);
  const raw = policy.backoff_initial_ms * Math.pow(policy.backoff_multiplier, n - 1);
  const capped = Math.min(raw, policy.backoff_max_ms);
  const jittered = capped * (1 - policy.jitter * random());
  return Math.max(0, Math.round(jittered));
}
