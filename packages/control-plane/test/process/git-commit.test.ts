import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitFixture, no, ok, yes, type GitFixture } from './git-helpers.js';

describe('git workspaces: commit, pin and step branches', () => {
  let fx: GitFixture;
  afterEach(() => fx?.cleanup());

  async function prepared(stepKey = 'build', taskId = 11) {
    return ok(
      await fx.ws.prepare({
        repoRoot: fx.repo,
        runId: 7,
        taskId,
        stepKey,
        attempt: 2,
        baseSha: fx.base,
        upstream: [],
        reuse: false,
      }),
    );
  }
  const commitInput = (wt: string, startSha: string, over: Record<string, unknown> = {}) => ({
    path: wt,
    runId: 7,
    taskId: 11,
    attempt: 2,
    stepId: 'build',
    branch: 'multyagents/run-7/build',
    startSha,
    message: 'Add the parser\n\nDetails of the change.',
    fence: yes,
    ...over,
  });

  it('commits the work with trailers, pins it, moves the step branch and reports the diff', async () => {
    fx = gitFixture({ author: { name: 'Robo', email: 'robo@example.com' } });
    const p = await prepared();
    fs.writeFileSync(path.join(p.path, 'parser.ts'), 'a\nb\nc\n');
    fs.writeFileSync(path.join(p.path, 'shared.txt'), 'line 1\nline 2 changed\nline 3\n');
    fs.mkdirSync(path.join(p.path, 'node_modules'));
    fs.writeFileSync(path.join(p.path, 'node_modules', 'ignored.js'), 'x');
    const r = ok(await fx.ws.commitResult(commitInput(p.path, p.startSha)));
    expect(r.committed).toBe(true);
    expect(r.head_sha).toBe(fx.git(p.path, 'rev-parse', 'HEAD'));
    expect(fx.git(fx.repo, 'rev-parse', 'multyagents/run-7/build')).toBe(r.head_sha);
    expect(r.pinned_ref).toBe('refs/multyagents/attempts/11-2');
    expect(fx.git(fx.repo, 'rev-parse', r.pinned_ref)).toBe(r.head_sha);
    expect(fx.git(fx.repo, 'rev-parse', `${r.head_sha}^`)).toBe(fx.base);
    expect(fx.git(fx.repo, 'log', '-1', '--format=%s%n%an <%ae>', r.head_sha)).toBe(
      'Add the parser\nRobo <robo@example.com>',
    );
    const trailers = fx.git(fx.repo, 'log', '-1', '--format=%(trailers:only,unfold)', r.head_sha);
    expect(trailers.split('\n')).toEqual([
      'Multyagents-Run: 7',
      'Multyagents-Task: 11',
      'Multyagents-Attempt: 2',
      'Multyagents-Step: build',
    ]);
    expect(fx.git(fx.repo, 'log', '-1', '--format=%b', r.head_sha)).toContain('Details of the change.');
    expect(r.files.sort()).toEqual(['parser.ts', 'shared.txt']);
    expect({ files: r.files_changed, ins: r.insertions, del: r.deletions }).toEqual({
      files: 2,
      ins: 4,
      del: 1,
    });
    expect(fx.git(fx.repo, 'ls-tree', '-r', '--name-only', r.head_sha)).not.toContain('node_modules');
    expect(fx.git(p.path, 'status', '--porcelain')).toBe('');
  });

  it('with nothing changed: no commit, the start is the result, still pinned and branched', async () => {
    fx = gitFixture();
    const p = await prepared();
    const r = ok(await fx.ws.commitResult(commitInput(p.path, p.startSha, { message: '' })));
    expect(r.committed).toBe(false);
    expect(r.head_sha).toBe(fx.base);
    expect(r.files_changed).toBe(0);
    expect(r.files).toEqual([]);
    expect(fx.git(fx.repo, 'rev-parse', 'refs/multyagents/attempts/11-2')).toBe(fx.base);
    expect(fx.git(fx.repo, 'rev-parse', 'multyagents/run-7/build')).toBe(fx.base);
  });

  it('falls back to a generic subject when the summary is empty', async () => {
    fx = gitFixture();
    const p = await prepared();
    fs.writeFileSync(path.join(p.path, 'x.txt'), 'x\n');
    const r = ok(await fx.ws.commitResult(commitInput(p.path, p.startSha, { message: '  \n' })));
    expect(fx.git(fx.repo, 'log', '-1', '--format=%s', r.head_sha)).toBe(
      'multyagents: build (task 11 attempt 2)',
    );
  });

  it('a stale attempt (fence false) writes nothing', async () => {
    fx = gitFixture();
    const p = await prepared();
    fs.writeFileSync(path.join(p.path, 'late.txt'), 'late\n');
    const refsBefore = fx.git(fx.repo, 'for-each-ref');
    const r = await fx.ws.commitResult(commitInput(p.path, p.startSha, { fence: no }));
    expect(r.ok === false && r.category).toBe('stale-attempt');
    expect(fx.git(fx.repo, 'for-each-ref')).toBe(refsBefore);
    expect(fx.git(p.path, 'rev-parse', 'HEAD')).toBe(fx.base);
    // Not even staged: the worktree's index is untouched.
    expect(fx.git(p.path, 'status', '--porcelain')).toBe('?? late.txt');
  });

  it('pin of a dirty tree records tracked and untracked changes without touching HEAD or the index', async () => {
    fx = gitFixture();
    const p = await prepared();
    fs.writeFileSync(path.join(p.path, 'README.md'), 'edited\n');
    fs.writeFileSync(path.join(p.path, 'staged.txt'), 'staged\n');
    fx.git(p.path, 'add', 'staged.txt');
    fs.writeFileSync(path.join(p.path, 'new.txt'), 'untracked\n');
    fs.writeFileSync(path.join(p.path, '.env'), 'ignored\n');
    const indexBefore = fx.git(p.path, 'ls-files', '--stage');
    const statusBefore = fx.git(p.path, 'status', '--porcelain');
    const r = ok(await fx.ws.pin({ path: p.path, taskId: 11, attempt: 2 }));
    expect(r.dirty).toBe(true);
    expect(fx.git(p.path, 'rev-parse', 'HEAD')).toBe(fx.base);
    expect(fx.git(p.path, 'ls-files', '--stage')).toBe(indexBefore);
    expect(fx.git(p.path, 'status', '--porcelain')).toBe(statusBefore);
    expect(fx.git(fx.repo, 'rev-parse', 'refs/multyagents/attempts/11-2')).toBe(r.sha);
    expect(fx.git(fx.repo, 'rev-parse', `${r.sha}^`)).toBe(fx.base);
    expect(fx.git(fx.repo, 'show', `${r.sha}:README.md`)).toBe('edited');
    expect(fx.git(fx.repo, 'show', `${r.sha}:new.txt`)).toBe('untracked');
    expect(fx.git(fx.repo, 'show', `${r.sha}:staged.txt`)).toBe('staged');
    expect(fx.git(fx.repo, 'ls-tree', '--name-only', r.sha)).not.toContain('.env');
    const clean = await prepared('clean', 12);
    const c = ok(await fx.ws.pin({ path: clean.path, taskId: 12, attempt: 2 }));
    expect({ dirty: c.dirty, sha: c.sha }).toEqual({ dirty: false, sha: fx.base });
  });

  it('moves a branch by compare-and-swap and refuses one that moved meanwhile', async () => {
    fx = gitFixture();
    const a = fx.commitOn(fx.base, { 'a.txt': 'a\n' });
    const b = fx.commitOn(fx.base, { 'b.txt': 'b\n' });
    ok(
      await fx.ws.moveBranch({
        repoRoot: fx.repo,
        branch: 'multyagents/run-1/s',
        newSha: a,
        expectedOld: null,
      }),
    );
    expect(fx.git(fx.repo, 'rev-parse', 'multyagents/run-1/s')).toBe(a);
    const created = await fx.ws.moveBranch({
      repoRoot: fx.repo,
      branch: 'multyagents/run-1/s',
      newSha: b,
      expectedOld: null,
    });
    expect(created.ok === false && created.reason).toBe('branch-moved');
    const moved = await fx.ws.moveBranch({
      repoRoot: fx.repo,
      branch: 'multyagents/run-1/s',
      newSha: b,
      expectedOld: fx.base,
    });
    expect(moved.ok).toBe(false);
    if (moved.ok) return;
    expect(moved.reason).toBe('branch-moved');
    expect(moved.message).toContain(a);
    expect(fx.git(fx.repo, 'rev-parse', 'multyagents/run-1/s')).toBe(a);
    ok(
      await fx.ws.moveBranch({ repoRoot: fx.repo, branch: 'multyagents/run-1/s', newSha: b, expectedOld: a }),
    );
    expect(fx.git(fx.repo, 'rev-parse', 'multyagents/run-1/s')).toBe(b);
    const invalid = await fx.ws.moveBranch({
      repoRoot: fx.repo,
      branch: 'bad..name',
      newSha: b,
      expectedOld: null,
    });
    expect(invalid.ok === false && invalid.reason).toBe('bad-input');
  });
});
