import { describe, expect, it } from 'vitest';
import { formatTable, xFloor } from '../../src/bench/report.js';
import { percentile, ratio, summarize } from '../../src/bench/stats.js';

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
});
