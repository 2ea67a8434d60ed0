import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitFixture, no, ok, yes, type GitFixture } from './git-helpers.js';

describe('git workspaces: land on the target branch', () => {
  let fx: GitFixture;
  afterEach(() => fx?.cleanup());

  const landInput = (heads: string[], over: Record<string, unknown> = {}) => ({
    repoRoot: fx.repo,
    taskId: 30,
    attempt: 1,
    heads,
    targetBranch: 'release',
    expectedSha: fx.base,
    strategy: 'fast-forward' as const,
    message: 'Land run 7',
    fence: yes,
    ...over,
  });
  /** A target branch that is not checked out anywhere. */
  const release = () => fx.git(fx.repo, 'branch', 'release', fx.base);

  it('fast-forwards to a single head and to the merge of two', async () => {
    fx = gitFixture();
    release();
    const a = fx.commitOn(fx.base, { 'a.txt': 'a\n' });
    const one = ok(await fx.ws.land(landInput([a])));
    expect(one.merged).toEqual({
      target_branch: 'release',
      old_sha: fx.base,
      new_sha: a,
      strategy: 'fast-forward',
    });
    expect(fx.git(fx.repo, 'rev-parse', 'release')).toBe(a);
    expect(one.files).toEqual(['a.txt']);
    expect(fx.git(fx.repo, 'rev-parse', 'refs/multyagents/attempts/30-1')).toBe(a);
    const b = fx.commitOn(a, { 'b.txt': 'b\n' });
    const c = fx.commitOn(a, { 'c.txt': 'c\n' });
    const two = ok(await fx.ws.land(landInput([b, c], { expectedSha: a, attempt: 2 })));
    const landed = fx.git(fx.repo, 'rev-parse', 'release');
    expect(two.merged.new_sha).toBe(landed);
    for (const sha of [a, b, c]) fx.git(fx.repo, 'merge-base', '--is-ancestor', sha, landed);
    expect(two.files.sort()).toEqual(['b.txt', 'c.txt']);
  });

  it('merge-commit makes a merge with the target as first parent', async () => {
    fx = gitFixture();
    release();
    const a = fx.commitOn(fx.base, { 'a.txt': 'a\n' });
    const r = ok(await fx.ws.land(landInput([a], { strategy: 'merge-commit' })));
    const landed = fx.git(fx.repo, 'rev-parse', 'release');
    expect(r.merged.new_sha).toBe(landed);
    expect(fx.git(fx.repo, 'rev-list', '--parents', '-n1', landed).split(' ').slice(1)).toEqual([fx.base, a]);
    expect(fx.git(fx.repo, 'rev-parse', `${landed}^{tree}`)).toBe(
      fx.git(fx.repo, 'rev-parse', `${a}^{tree}`),
    );
    expect(fx.git(fx.repo, 'log', '-1', '--format=%s', landed)).toBe('Land run 7');
    expect(r.files_changed).toBe(1);
  });

  it('refuses when the target moved (naming both commits), when not a fast-forward, and when fenced', async () => {
    fx = gitFixture();
    release();
    const other = fx.commitOn(fx.base, { 'other.txt': 'someone else\n' });
    fx.git(fx.repo, 'update-ref', 'refs/heads/release', other);
    const a = fx.commitOn(fx.base, { 'a.txt': 'a\n' });
    const moved = await fx.ws.land(landInput([a]));
    expect(moved.ok).toBe(false);
    if (moved.ok) return;
    expect(moved.reason).toBe('target-moved');
    expect(moved.message).toContain(other);
    expect(moved.message).toContain(fx.base);
    expect(fx.git(fx.repo, 'rev-parse', 'release')).toBe(other);
    const notFf = await fx.ws.land(landInput([a], { expectedSha: other }));
    expect(notFf.ok === false && notFf.reason).toBe('not-fast-forward');
    expect(fx.git(fx.repo, 'rev-parse', 'release')).toBe(other);
    const fenced = await fx.ws.land(
      landInput([a], { expectedSha: other, strategy: 'merge-commit', fence: no }),
    );
    expect(fenced.ok === false && fenced.category).toBe('stale-attempt');
    expect(fx.git(fx.repo, 'rev-parse', 'release')).toBe(other);
    expect(() => fx.git(fx.repo, 'rev-parse', '-q', '--verify', 'refs/multyagents/attempts/30-1')).toThrow();
    // merge-commit onto a target that gained a commit keeps that commit's changes.
    const merged = ok(await fx.ws.land(landInput([a], { expectedSha: other, strategy: 'merge-commit' })));
    expect(fx.git(fx.repo, 'ls-tree', '--name-only', merged.merged.new_sha).split('\n')).toEqual(
      expect.arrayContaining(['a.txt', 'other.txt']),
    );
  });

  it('refuses to land on a checked-out target with uncommitted changes', async () => {
    fx = gitFixture();
    const a = fx.commitOn(fx.base, { 'a.txt': 'a\n' });
    fs.writeFileSync(path.join(fx.repo, 'README.md'), 'my local edit\n');
    const r = await fx.ws.land(landInput([a], { targetBranch: 'main' }));
    expect(r.ok === false && r.reason).toBe('dirty-checkout');
    expect(fx.git(fx.repo, 'rev-parse', 'main')).toBe(fx.base);
    expect(fs.readFileSync(path.join(fx.repo, 'README.md'), 'utf8')).toBe('my local edit\n');
  });

  it('brings a clean checkout of the target along, so it does not show the changes reversed', async () => {
    fx = gitFixture();
    const a = fx.commitOn(fx.base, { 'a.txt': 'a\n', 'README.md': 'hello again\n' });
    fs.writeFileSync(path.join(fx.repo, 'notes.local'), 'untracked user file\n');
    const r = ok(await fx.ws.land(landInput([a], { targetBranch: 'main' })));
    expect(r.checkouts_updated).toEqual([fx.repo]);
    expect(fx.git(fx.repo, 'rev-parse', 'HEAD')).toBe(a);
    expect(fx.git(fx.repo, 'status', '--porcelain')).toBe('?? notes.local');
    expect(fs.readFileSync(path.join(fx.repo, 'a.txt'), 'utf8')).toBe('a\n');
    expect(fs.readFileSync(path.join(fx.repo, 'README.md'), 'utf8')).toBe('hello again\n');
  });

  it('refuses before moving the ref when an untracked file in the checkout would be overwritten', async () => {
    fx = gitFixture();
    const a = fx.commitOn(fx.base, { 'a.txt': 'from the run\n' });
    fs.writeFileSync(path.join(fx.repo, 'a.txt'), 'mine\n');
    const r = await fx.ws.land(landInput([a], { targetBranch: 'main' }));
    expect(r.ok === false && r.reason).toBe('dirty-checkout');
    expect(fx.git(fx.repo, 'rev-parse', 'main')).toBe(fx.base);
    expect(fs.readFileSync(path.join(fx.repo, 'a.txt'), 'utf8')).toBe('mine\n');
  });

  it('reports a conflict between the heads with paths and commits', async () => {
    fx = gitFixture();
    release();
    const a = fx.commitOn(fx.base, { 'shared.txt': 'A\n' });
    const b = fx.commitOn(fx.base, { 'shared.txt': 'B\n' });
    const r = await fx.ws.land(landInput([a, b]));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect({ reason: r.reason, conflicts: r.conflicts, commits: r.commits }).toEqual({
      reason: 'conflict',
      conflicts: ['shared.txt'],
      commits: [a, b],
    });
    expect(fx.git(fx.repo, 'rev-parse', 'release')).toBe(fx.base);
  });
});
