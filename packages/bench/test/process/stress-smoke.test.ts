import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../../../control-plane/test/process/cli-harness.js';
import { failedChecks, runSuite } from './stress-helpers.js';

describe('multyagents stress-smoke --quick', () => {
  beforeAll(() => assertBuilt());

  it('runs diamond workflows in parallel through real runners, each step once, all succeed', async () => {
    const { code, report, last } = await runSuite(['stress-smoke', '--quick']);
    expect(failedChecks(report)).toEqual([]);
    expect(report.overall_status).toBe('pass');
    expect(last).toBe('[stress-smoke] PASS');
    expect(code).toBe(0);
    expect(report.summary.dispatch_counts).toEqual({ 4: 4 });
    expect(report.details?.runs).toHaveLength(4);
    expect(report.details?.runs.every((r: { status: string }) => r.status === 'success')).toBe(true);
  });
});
