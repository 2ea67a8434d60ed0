import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../../../control-plane/test/process/cli-harness.js';
import { failedChecks, runSuite } from './stress-helpers.js';

describe('multyagents restart-persistence --quick', () => {
  beforeAll(() => assertBuilt());

  it('keeps run, task and event state identical across kill -9 and SIGTERM restarts at every lifecycle point', async () => {
    const { code, report, last } = await runSuite(['restart-persistence', '--quick']);
    expect(failedChecks(report)).toEqual([]);
    expect(report.overall_status).toBe('pass');
    expect(last).toBe('[restart-persistence] PASS');
    expect(code).toBe(0);
    const points = report.details?.points as Array<{ point: string; restart: string; equal: boolean }>;
    expect(points.map((p) => `${p.point}/${p.restart}`)).toEqual([
      'created/kill -9',
      'created/SIGTERM',
      'queued/kill -9',
      'queued/SIGTERM',
      'running/kill -9',
      'running/SIGTERM',
      'terminal/kill -9',
      'terminal/SIGTERM',
    ]);
    expect(points.every((p) => p.equal)).toBe(true);
  });
});
