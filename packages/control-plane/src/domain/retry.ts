/**
 * Retry decisions and backoff maths (pure). The policy names categories from the first version
 * (`network`, `flaky-test`, `runner-transient`) and any of ours; each maps to the failure categories
 * it covers.
 */
import {
  TERMINAL_RUN_STATUSES,
  type FailureCategory,
  type RetryPolicy,
  type RunStatus,
} from '@multyagents/contracts';

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
  // A git failure of the runner's (conflict, moved target, dirty checkout) fails the same way again.
  if (category === 'canceled' || category === 'workspace-git') return false;
  return retriesUsed < policy.max_retries && policyCovers(policy, category);
}

/**
 * Whether a task whose attempt just ended goes back to ready for another attempt instead of ending:
 * a runner that refused the submit (busy or draining) always, without spending a retry; a failure
 * as its policy says. Never in a run that has ended — nothing would ever dispatch the task again,
 * and a run that is terminal keeps no task open. `runStatus` is null for a task outside any run.
 */
export function decideRetry(f: {
  cause: 'refused' | 'failure';
  runStatus: RunStatus | null;
  policy: RetryPolicy;
  category: FailureCategory | null;
  retriesUsed: number;
}): boolean {
  if (f.runStatus !== null && TERMINAL_RUN_STATUSES.includes(f.runStatus)) return false;
  if (f.cause === 'refused') return true;
  return f.category !== null && shouldRetry(f.policy, f.category, f.retriesUsed);
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
