import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitFixture, ok, type GitFixture } from './git-helpers.js';

describe('git workspaces: prepare', () => {
  let fx: GitFixture;
  afterEach(() => fx?.cleanup());

  const input = (over: Record<string, unknown> = {}) => ({
    repoRoot: fx.repo,
    runId: 7,
    taskId: 11,
    stepKey: 'build',
    attempt: 1,
    baseSha: fx.base,
    upstream: [] as string[],
    reuse: false,
    ...over,
  });

  it('starts a detached worktree outside the repository at the base when there is no upstream', async () => {
    fx = gitFixture();
    const r = ok(await fx.ws.prepare(input()));
    expect(r.startSha).toBe(fx.base);
    expect(r.path.startsWith(fx.worktreesDir + path.sep)).toBe(true);
    expect(path.relative(fx.worktreesDir, r.path)).toMatch(/^project-[0-9a-f]{10}\/run-7\/build$/);
    expect(fx.git(r.path, 'rev-parse', 'HEAD')).toBe(fx.base);
    expect(fx.git(r.path, 'status', '--porcelain')).toBe('');
    // Detached: no branch is checked out, so no other worktree can fight over one.
    expect(() => fx.git(r.path, 'symbolic-ref', '-q', 'HEAD')).toThrow();
    expect(fs.readFileSync(path.join(r.path, 'README.md'), 'utf8')).toBe('hello\n');
  });

  it('starts from the single upstream, and from the upstream that contains the others', async () => {
    fx = gitFixture();
    const a = fx.commitOn(fx.base, { 'a.txt': 'a\n' });
    const ab = fx.commitOn(a, { 'b.txt': 'b\n' });
    expect(ok(await fx.ws.prepare(input({ upstream: [a] }))).startSha).toBe(a);
    const r = ok(await fx.ws.prepare(input({ stepKey: 'collapse', upstream: [a, ab, fx.base] })));
    expect(r.startSha).toBe(ab);
  });

  it('merges two and three divergent upstreams into a commit containing all of them', async () => {
    fx = gitFixture();
    const a = fx.commitOn(fx.base, { 'a.txt': 'a\n' });
    const b = fx.commitOn(fx.base, { 'b.txt': 'b\n' });
    const c = fx.commitOn(fx.base, { 'c.txt': 'c\n' });
    const two = ok(await fx.ws.prepare(input({ stepKey: 'two', upstream: [a, b] })));
    expect(fx.git(fx.repo, 'rev-list', '--parents', '-n1', two.startSha).split(' ').slice(1)).toEqual([a, b]);
    expect(fx.git(fx.repo, 'log', '-1', '--format=%s', two.startSha)).toBe(
      'multyagents: merge upstream of two',
    );
    const three = ok(await fx.ws.prepare(input({ stepKey: 'three', upstream: [a, b, c] })));
    for (const sha of [a, b, c]) fx.git(fx.repo, 'merge-base', '--is-ancestor', sha, three.startSha);
    expect(fx.git(fx.repo, 'ls-tree', '--name-only', three.startSha).split('\n')).toEqual(
      expect.arrayContaining(['a.txt', 'b.txt', 'c.txt', 'README.md']),
    );
    expect(fs.readFileSync(path.join(three.path, 'c.txt'), 'utf8')).toBe('c\n');
    // The same inputs give the same merge commit (a retried attempt starts where the first did).
    const again = ok(await fx.ws.prepare(input({ runId: 8, stepKey: 'two', upstream: [a, b] })));
    expect(again.startSha).toBe(two.startSha);
  });

  it('fails with the conflicting paths and commits when upstreams conflict', async () => {
    fx = gitFixture();
    const a = fx.commitOn(fx.base, { 'shared.txt': 'line 1\nA\nline 3\n', 'only-a.txt': 'a\n' });
    const b = fx.commitOn(fx.base, { 'shared.txt': 'line 1\nB\nline 3\n' });
    const r = await fx.ws.prepare(input({ upstream: [a, b] }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.category).toBe('workspace-git');
    expect(r.reason).toBe('conflict');
    expect(r.conflicts).toEqual(['shared.txt']);
    expect(r.commits).toEqual([a, b]);
    expect(fs.existsSync(path.join(fx.worktreesDir))).toBe(true);
    expect(fx.git(fx.repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
  });

  it('refuses a directory that is not a git repository and an unknown commit', async () => {
    fx = gitFixture();
    const plain = path.join(fx.dir, 'plain');
    fs.mkdirSync(plain);
    const r = await fx.ws.prepare(input({ repoRoot: plain }));
    expect(r.ok === false && r.reason).toBe('not-a-repo');
    const u = await fx.ws.prepare(input({ upstream: ['1'.repeat(40)] }));
    expect(u.ok === false && u.reason).toBe('bad-input');
  });

  it('reuse keeps an existing worktree as it is; a fresh attempt pins it and resets it', async () => {
    fx = gitFixture();
    const first = ok(await fx.ws.prepare(input()));
    fs.writeFileSync(path.join(first.path, 'work.txt'), 'in progress\n');
    const resumed = ok(await fx.ws.prepare(input({ attempt: 2, reuse: true })));
    expect(resumed.reused).toBe(true);
    expect(fs.readFileSync(path.join(first.path, 'work.txt'), 'utf8')).toBe('in progress\n');
    const fresh = ok(await fx.ws.prepare(input({ attempt: 3 })));
    expect(fresh.reused).toBe(false);
    expect(fresh.replacedRef).toBe('refs/multyagents/replaced/11-3');
    expect(fs.existsSync(path.join(first.path, 'work.txt'))).toBe(false);
    expect(fx.git(first.path, 'status', '--porcelain')).toBe('');
    // The replaced work is still in the repository.
    expect(fx.git(fx.repo, 'show', 'refs/multyagents/replaced/11-3:work.txt')).toBe('in progress');
  });

  it('moves a left-over directory that is not a worktree aside instead of deleting it', async () => {
    fx = gitFixture();
    const r1 = ok(await fx.ws.prepare(input()));
    fx.git(fx.repo, 'worktree', 'remove', '--force', r1.path);
    fs.mkdirSync(r1.path, { recursive: true });
    fs.writeFileSync(path.join(r1.path, 'keepme.txt'), 'user data\n');
    const r2 = ok(await fx.ws.prepare(input({ attempt: 2 })));
    expect(r2.trashed).not.toBeNull();
    expect(fs.readFileSync(path.join(r2.trashed!, 'keepme.txt'), 'utf8')).toBe('user data\n');
    expect(path.dirname(r2.trashed!)).toBe(path.join(fx.worktreesDir, '.trash'));
    expect(fx.git(r2.path, 'rev-parse', 'HEAD')).toBe(fx.base);
  });

  it('setup copies listed files, skips missing ones, refuses escapes and fails on a failing command', async () => {
    fx = gitFixture();
    fs.writeFileSync(path.join(fx.repo, '.env'), 'SECRET=1\n');
    const setup = {
      copy_files: ['.env', 'missing.env'],
      command: ['sh', '-c', 'echo built > out.txt'],
      hooks: false,
      lfs_smudge: false,
    };
    const r = ok(await fx.ws.prepare(input({ setup })));
    expect(fs.readFileSync(path.join(r.path, '.env'), 'utf8')).toBe('SECRET=1\n');
    expect(fs.readFileSync(path.join(r.path, 'out.txt'), 'utf8')).toBe('built\n');
    expect(r.notes.join('\n')).toContain('missing.env');
    fs.writeFileSync(path.join(fx.dir, 'outside.txt'), 'x');
    fs.symlinkSync(path.join(fx.dir, 'outside.txt'), path.join(fx.repo, 'link.txt'));
    const esc = await fx.ws.prepare(
      input({ stepKey: 'esc', setup: { ...setup, command: null, copy_files: ['link.txt'] } }),
    );
    expect(esc.ok === false && esc.message).toContain('outside the project root');
    const failing = { ...setup, command: ['sh', '-c', 'echo npm ci broke >&2; exit 3'] };
    const bad = await fx.ws.prepare(input({ stepKey: 'bad', setup: failing }));
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.reason).toBe('setup-failed');
    expect(bad.message).toContain('exited with 3');
    expect(bad.message).toContain('npm ci broke');
  });
});
