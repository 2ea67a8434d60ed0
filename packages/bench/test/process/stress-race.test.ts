import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../../../control-plane/test/process/cli-harness.js';
import { failedChecks, runSuite } from './stress-helpers.js';

describe('multyagents race-stress --quick', () => {
  beforeAll(() => assertBuilt());

  it('races dispatch, approvals, pause and duplicated reports on real API processes and keeps every invariant', async () => {
    const { code, report, last } = await runSuite(['race-stress', '--quick']);
    expect(failedChecks(report)).toEqual([]);
    expect(report.overall_status).toBe('pass');
    expect(last).toBe('[race-stress] PASS');
    expect(code).toBe(0);
    expect(report.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'no 5xx',
        'every task dispatched at most once per attempt',
        'audit invariants',
      ]),
    );
    // The races really happened: losers were refused, duplicates and stale reports were sent.
    expect(report.summary.runs).toBe(3);
    expect(report.summary.rejected_runs).toBe(1);
    expect(report.summary.refusals_by_code.TASK_NOT_DISPATCHABLE).toBeGreaterThan(0);
    expect(report.summary.refusals_by_code.STALE_ATTEMPT).toBeGreaterThan(0);
    expect(report.summary.final_run_statuses.success).toBe(2);
  });
});
