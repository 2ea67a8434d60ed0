import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitFixture, ok, yes, type GitFixture } from './git-helpers.js';

describe('git workspaces: cleanup and the start-up sweep', () => {
  let fx: GitFixture;
  afterEach(() => fx?.cleanup());

  const prepare = async (stepKey: string, taskId: number) =>
    ok(
      await fx.ws.prepare({
        repoRoot: fx.repo,
        runId: 5,
        taskId,
        stepKey,
        attempt: 1,
        baseSha: fx.base,
        upstream: [],
        reuse: false,
      }),
    );
  const commit = async (p: { path: string; startSha: string }, stepKey: string, taskId: number) =>
    ok(
      await fx.ws.commitResult({
        path: p.path,
        runId: 5,
        taskId,
        attempt: 1,
        stepId: stepKey,
        branch: `multyagents/run-5/${stepKey}`,
        startSha: p.startSha,
        message: stepKey,
        fence: yes,
      }),
    );

  it('keeps a dirty worktree on disk (pinning its changes) and removes a proven one', async () => {
    fx = gitFixture();
    const dirty = await prepare('dirty', 1);
    fs.writeFileSync(path.join(dirty.path, 'wip.txt'), 'unfinished\n');
    const kept = await fx.ws.cleanup({ path: dirty.path, taskId: 1, attempt: 1, keep: false });
    expect(kept).toMatchObject({ attempted: true, removed: false, pinned_ref: 'refs/multyagents/dirty/1-1' });
    expect(fs.readFileSync(path.join(dirty.path, 'wip.txt'), 'utf8')).toBe('unfinished\n');
    expect(fx.git(fx.repo, 'show', 'refs/multyagents/dirty/1-1:wip.txt')).toBe('unfinished');

    const done = await prepare('done', 2);
    fs.writeFileSync(path.join(done.path, 'result.txt'), 'result\n');
    fs.mkdirSync(path.join(done.path, 'node_modules'));
    fs.writeFileSync(path.join(done.path, 'node_modules', 'x.js'), 'ignored\n');
    const c = await commit(done, 'done', 2);
    const removed = await fx.ws.cleanup({ path: done.path, taskId: 2, attempt: 1, keep: false });
    expect(removed).toMatchObject({
      attempted: true,
      removed: true,
      pinned_ref: 'refs/multyagents/attempts/2-1',
    });
    expect(fs.existsSync(done.path)).toBe(false);
    expect(fx.git(fx.repo, 'worktree', 'list', '--porcelain')).not.toContain(done.path);
    expect(fx.git(fx.repo, 'rev-parse', 'refs/multyagents/attempts/2-1')).toBe(c.head_sha);
    expect(fx.git(fx.repo, 'show', `${c.head_sha}:result.txt`)).toBe('result');
  });

  it('refuses a worktree whose HEAD is not the pinned commit, and one kept by policy', async () => {
    fx = gitFixture();
    const p = await prepare('s', 3);
    await commit(p, 's', 3);
    // The agent (or a person) committed after the pin: that commit is not recorded anywhere else.
    fs.writeFileSync(path.join(p.path, 'later.txt'), 'later\n');
    fx.git(p.path, 'add', 'later.txt');
    fx.git(p.path, 'commit', '-q', '-m', 'later');
    const later = fx.git(p.path, 'rev-parse', 'HEAD');
    const r = await fx.ws.cleanup({ path: p.path, taskId: 3, attempt: 1, keep: false });
    expect(r.removed).toBe(false);
    expect(r.message).toContain(later);
    expect(fs.existsSync(p.path)).toBe(true);
    const q = await prepare('q', 4);
    const keep = await fx.ws.cleanup({ path: q.path, taskId: 4, attempt: 1, keep: true });
    expect(keep).toMatchObject({ attempted: false, removed: false });
    expect(fs.existsSync(q.path)).toBe(true);
    expect(fx.git(fx.repo, 'rev-parse', 'refs/multyagents/attempts/4-1')).toBe(fx.base);
    // Never the main checkout, never a path outside the worktrees dir.
    const main = await fx.ws.cleanup({ path: fx.repo, taskId: 4, attempt: 1, keep: false });
    expect(main.removed).toBe(false);
    expect(fs.existsSync(path.join(fx.repo, 'README.md'))).toBe(true);
  });

  it('sweep removes orphans, keeps live and dirty ones, clears stale locks and prunes', async () => {
    fx = gitFixture();
    const live = await prepare('live', 10);
    const orphan = await prepare('orphan', 11);
    await commit(orphan, 'orphan', 11);
    const unpinned = await prepare('unpinned', 12);
    const dirty = await prepare('dirty', 13);
    fs.writeFileSync(path.join(dirty.path, 'wip.txt'), 'wip\n');
    const gone = await prepare('gone', 14);
    fs.rmSync(gone.path, { recursive: true });
    const staleRefLock = path.join(fx.repo, '.git', 'refs', 'heads', 'stuck.lock');
    fs.writeFileSync(staleRefLock, '');
    const t = new Date(Date.now() - 3_600_000);
    fs.utimesSync(staleRefLock, t, t);
    const ws = fx.make({ now: () => Date.now() + 3_600_000 });
    const report = await ws.sweep({ keep: new Set([live.path]), olderThanMs: 60_000 });
    expect(report.removed.sort()).toEqual([orphan.path, unpinned.path].sort());
    expect(report.kept.map((k) => k.path).sort()).toEqual([live.path, dirty.path].sort());
    expect(report.kept.find((k) => k.path === dirty.path)?.reason).toContain('uncommitted');
    expect(report.staleLocksCleared).toEqual([staleRefLock]);
    expect(fs.existsSync(live.path) && fs.existsSync(dirty.path)).toBe(true);
    expect(fs.existsSync(orphan.path) || fs.existsSync(unpinned.path)).toBe(false);
    // The unpinned orphan's HEAD was pinned at its attempt ref (from the worktree's marker) first.
    expect(fx.git(fx.repo, 'rev-parse', 'refs/multyagents/attempts/12-1')).toBe(fx.base);
    const listed = fx.git(fx.repo, 'worktree', 'list', '--porcelain');
    expect(listed).not.toContain(gone.path);
    expect(listed.match(/^worktree /gm)).toHaveLength(3);
    // Recently prepared worktrees are not swept.
    const recent = await fx.ws.sweep({ keep: new Set(), olderThanMs: 60_000 });
    expect(recent.removed).toEqual([]);
    expect(recent.kept.every((k) => k.reason === 'prepared recently')).toBe(true);
    const du = ws.diskUsage();
    expect(du.truncated).toBe(false);
    expect(du.bytes).toBeGreaterThan(0);
    expect(ws.diskUsage(3).truncated).toBe(true);
  });
});
