import { describe, expect, it } from 'vitest';
import { splitWarmup } from '../../src/metrics/b1.js';
import { formatTable, xFloor } from '../../src/report.js';
import { percentile, ratio, summarize } from '../../src/stats.js';

describe('bench statistics', () => {
  it('uses nearest-rank percentiles over the raw samples', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarizes unsorted samples without changing them', () => {
    const xs = [5, 1, 4, 2, 3];
    const s = summarize(xs);
    expect(s).toMatchObject({ n: 5, min: 1, p50: 3, max: 5, mean: 3 });
    expect(xs).toEqual([5, 1, 4, 2, 3]);
  });

  it('gives no ratio when a side is missing or the floor is zero', () => {
    expect(ratio(3, 1.5)).toBe(2);
    expect(ratio(null, 1)).toBeNull();
    expect(ratio(1, 0)).toBeNull();
    expect(xFloor(2.5, 0.5)).toBe('5.0× floor');
    expect(xFloor(undefined, 0.5)).toBe('');
  });

  it('prints a table whose columns line up', () => {
    const t = formatTable([
      { id: 'B1', metric: 'create', value: 'p50 1 ms', ratio: '2.0× floor', goal: 'p50 ≤ 1 ms' },
      { id: 'B10', metric: 'a longer metric', value: 'x', ratio: '', goal: '' },
    ]).split('\n');
    expect(t).toHaveLength(4);
    const bar = t[0]!.indexOf('|');
    expect(t[2]!.indexOf('|')).toBe(bar);
    expect(t[3]!.indexOf('|')).toBe(bar);
    expect(t[3]).toContain('a longer metric');
  });

  it('splits an open-loop run at the warm-up by intended send time, not by answer', () => {
    const at = (intended: number, done: number) => ({
      intended,
      sent: intended,
      done,
      status: 200,
      run_id: 1,
    });
    // Due at 1000, 1500, 1999 (warm-up: 1 s), 2000 and 2500; the one due at 1999 is answered late.
    const samples = [at(1000, 1001), at(1500, 1502), at(1999, 2600), at(2000, 2001), at(2500, 2503)];
    const { warm, counted } = splitWarmup(samples, 1000);
    expect(warm.map((s) => s.intended)).toEqual([1000, 1500, 1999]);
    expect(counted.map((s) => s.intended)).toEqual([2000, 2500]);
    expect(splitWarmup(samples, 0)).toEqual({ warm: [], counted: samples });
    expect(splitWarmup(samples, 10_000)).toEqual({ warm: samples, counted: [] });
    expect(splitWarmup([], 1000)).toEqual({ warm: [], counted: [] });
  });
});
