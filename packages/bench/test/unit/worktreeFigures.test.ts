import { describe, expect, it } from 'vitest';
import { fileBody, repoLayout } from '../../src/bigRepo.js';
import { isModelCall } from '../../src/simForwarder.js';
import { summarize } from '../../src/stats.js';
import { diskFigures, mb, nsTextToMs, ratioText } from '../../src/wtFigures.js';

describe('B10–B12 figures', () => {
  it('lays the repository out over the dirs, every path distinct', () => {
    const paths = repoLayout(10_000, 100);
    expect(paths).toHaveLength(10_000);
    expect(new Set(paths).size).toBe(10_000);
    const dirs = new Set(paths.map((p) => p.split('/')[0]));
    expect(dirs.size).toBe(100);
    expect(paths[0]).toBe('d00/f0000.txt');
    expect(paths[101]).toBe('d01/f0101.txt');
    expect(repoLayout(3, 10)).toEqual(['d0/f0.txt', 'd1/f1.txt', 'd2/f2.txt']);
    expect(fileBody(1)).not.toBe(fileBody(2));
  });

  it('reads `date +%s%N` as ms without losing the sub-ms digits', () => {
    expect(nsTextToMs('1765000000123456789\n')).toBe(1765000000123.4568);
    expect(nsTextToMs('1765000000000000000')).toBe(1765000000000);
    expect(() => nsTextToMs('')).toThrow(/not a ns timestamp/);
    expect(() => nsTextToMs('12.5')).toThrow(/not a ns timestamp/);
  });

  it('compares p50 and p99 with a baseline, with the p50 difference in ms', () => {
    const base = summarize([100, 100, 200]);
    expect(ratioText(summarize([110, 110, 300]), base)).toBe('p50 1.10× (+10 ms) / p99 1.50×');
    expect(ratioText(summarize([90, 90, 100]), base)).toBe('p50 0.90× (−10 ms) / p99 0.50×');
    expect(ratioText(summarize([]), base)).toBe('');
  });

  it('derives per-worktree bytes over the empty dir and .git growth per run', () => {
    const f = diskFigures({
      runs: 20,
      worktrees: 20,
      dirBytes: 41_000_000,
      emptyDirBytes: 1_000_000,
      gitBefore: 5_000_000,
      gitAfter: 25_000_000,
    });
    expect(f.per_worktree_bytes).toBe(2_000_000);
    expect(f.git_growth_bytes).toBe(20_000_000);
    expect(f.git_growth_per_run_bytes).toBe(1_000_000);
    const none = diskFigures({
      runs: 0,
      worktrees: 0,
      dirBytes: 8,
      emptyDirBytes: 8,
      gitBefore: 1,
      gitAfter: 1,
    });
    expect(none.per_worktree_bytes).toBeNull();
    expect(none.git_growth_per_run_bytes).toBeNull();
    expect(mb(1_234_567)).toBe('1.2 MB');
  });

  it('counts only the model calls of both CLIs as model requests', () => {
    const at = (method: string, url: string) => ({ t: 0, method, url });
    expect(isModelCall(at('POST', '/v1/messages'))).toBe(true);
    expect(isModelCall(at('POST', '/v1/messages?beta=true'))).toBe(true);
    expect(isModelCall(at('POST', '/v1/responses'))).toBe(true);
    expect(isModelCall(at('POST', '/v1/messages/count_tokens'))).toBe(false);
    expect(isModelCall(at('GET', '/v1/models'))).toBe(false);
  });
});
