/**
 * `GET /tasks/{id}/diff` against a real git repository in a temp dir: the files and the patch of a
 * step's `start_sha..head_sha` and of the merge task's `old_sha..new_sha`, the cap, and the two
 * refusals — nothing to diff (409 DIFF_UNAVAILABLE) and a repository or commit that is gone (409
 * REPO_UNAVAILABLE).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, removeTempDirs, type TestApi } from '../helpers/context.js';
import { H, registerRunner, report, seedTwoStep, startRun } from '../helpers/fixtures.js';
import { git, makeRepo, ok, seedWorktree, startWorktreeRun } from './worktree-fixtures.js';

/** A commit on top of `from` on a side branch (main stays where it is), returning its sha. */
function commitOn(
  root: string,
  from: string,
  branch: string,
  files: Record<string, string | Buffer>,
): string {
  git(root, 'checkout', '-q', '-b', branch, from);
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), content);
  }
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', branch);
  const sha = git(root, 'rev-parse', 'HEAD');
  git(root, 'checkout', '-q', 'main');
  return sha;
}

function success(
  t: TestApi,
  taskId: number,
  start: string,
  head: string,
  extra: Record<string, unknown> = {},
) {
  return ok(
    report(t, taskId, {
      status: 'success',
      attempt: 1,
      exit_code: 0,
      worktree: {
        path: null,
        branch: `b${taskId}`,
        base_sha: start,
        start_sha: start,
        head_sha: head,
        committed: true,
        ...extra,
      },
    }),
    `report ${taskId}`,
  );
}

const diff = (t: TestApi, id: number, q = '') => call(t.app, 'GET', `/tasks/${id}/diff${q}`);

describe('task diff', () => {
  let t: TestApi;
  afterEach(async () => {
    await t.close();
    removeTempDirs();
  });

  it("answers a step's files and patch, and the merge task's landing; the patch is capped", async () => {
    t = await makeTestApi();
    const repo = makeRepo();
    const head = commitOn(repo.root, repo.main, 'feature', {
      'README.md': 'hello\nmore\n',
      'src/naïve file.txt': 'ü\n',
      'logo.bin': Buffer.from([0, 1, 2, 0, 255]),
    });
    const big = commitOn(repo.root, head, 'big', {
      'big.txt': Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'x'.repeat(30)}\n`).join(''),
    });
    const { templateId } = await seedWorktree(t, repo.root);
    await ok(
      call(
        t.app,
        'POST',
        '/runners/register',
        { name: 'r1', url: 'http://127.0.0.1:9/r1', capabilities: ['git-worktree'] },
        H,
      ),
    );
    const run = await ok(startWorktreeRun(t, templateId));
    const [plan, build, docs, merge] = run.task_ids as number[];
    expect((await diff(t, plan!)).body.code).toBe('DIFF_UNAVAILABLE'); // not dispatched yet

    await ok(call(t.app, 'POST', `/tasks/${plan}/dispatch`));
    await success(t, plan!, repo.main, head);
    const d = await diff(t, plan!);
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({
      task_id: plan,
      attempt: 1,
      repo_root: repo.root,
      from_sha: repo.main,
      to_sha: head,
      truncated: false,
    });
    expect(d.body.files).toEqual([
      { path: 'README.md', insertions: 1, deletions: 0 },
      { path: 'logo.bin', insertions: -1, deletions: -1 },
      { path: 'src/naïve file.txt', insertions: 1, deletions: 0 },
    ]);
    expect(d.body.patch).toContain('diff --git a/README.md b/README.md\n');
    expect(d.body.patch).toContain('+more\n');
    expect(d.body.patch).toContain('diff --git a/src/naïve file.txt b/src/naïve file.txt\n');
    expect(d.body.patch_bytes).toBe(Buffer.byteLength(d.body.patch));
    expect((await diff(t, plan!, '?attempt=2')).body.code).toBe('DIFF_UNAVAILABLE');
    expect((await diff(t, plan!, '?attempt=0')).body.code).toBe('VALIDATION_FAILED');

    await ok(call(t.app, 'POST', `/tasks/${build}/dispatch`));
    await success(t, build!, head, big);
    const capped = (await diff(t, build!)).body;
    expect(capped.files).toEqual([{ path: 'big.txt', insertions: 20_000, deletions: 0 }]);
    expect(capped.truncated).toBe(true);
    expect(capped.patch_bytes).toBeLessThanOrEqual(512 * 1024);
    expect(capped.patch_bytes).toBeGreaterThan(500 * 1024);
    expect(capped.patch.endsWith('\n')).toBe(true);

    // A step that changed nothing has nothing to diff.
    await ok(call(t.app, 'POST', `/tasks/${docs}/dispatch`));
    await success(t, docs!, head, head, { committed: false });
    expect((await diff(t, docs!)).body).toMatchObject({ code: 'DIFF_UNAVAILABLE' });

    await ok(call(t.app, 'POST', `/tasks/${merge}/dispatch`));
    const merged = { target_branch: 'main', old_sha: repo.main, new_sha: head, strategy: 'fast-forward' };
    await success(t, merge!, head, head, { merged });
    const m = (await diff(t, merge!)).body;
    expect([m.from_sha, m.to_sha, m.files.length]).toEqual([repo.main, head, 3]);
  });

  it('409 REPO_UNAVAILABLE for a commit or a repository that is gone; 409 DIFF_UNAVAILABLE without a worktree', async () => {
    t = await makeTestApi();
    const repo = makeRepo();
    const { templateId } = await seedWorktree(t, repo.root);
    await ok(
      call(
        t.app,
        'POST',
        '/runners/register',
        { name: 'r1', url: 'http://127.0.0.1:9/r1', capabilities: ['git-worktree'] },
        H,
      ),
    );
    const run = await ok(startWorktreeRun(t, templateId));
    const plan = run.task_ids[0] as number;
    await ok(call(t.app, 'POST', `/tasks/${plan}/dispatch`));
    await success(t, plan, repo.main, 'f'.repeat(40));
    const missing = await diff(t, plan);
    expect([missing.status, missing.body.code]).toEqual([409, 'REPO_UNAVAILABLE']);
    expect(missing.body.detail).toContain('f'.repeat(40));
    fs.rmSync(repo.root, { recursive: true, force: true });
    const noRepo = await diff(t, plan);
    expect([noRepo.status, noRepo.body.code]).toEqual([409, 'REPO_UNAVAILABLE']);
    expect(noRepo.body.detail).toContain('no longer exists');

    // A task without a worktree (no-workspace mode), and one that does not exist.
    const { templateId: plain } = await seedTwoStep(t);
    await registerRunner(t, 'r2');
    const other = await startRun(t, plain);
    const first = other.task_ids[0]!;
    await ok(call(t.app, 'POST', `/tasks/${first}/dispatch`));
    await ok(report(t, first, { status: 'success', attempt: 1, exit_code: 0 }));
    const none = await diff(t, first);
    expect([none.status, none.body.code]).toEqual([409, 'DIFF_UNAVAILABLE']);
    expect((await diff(t, 999_999)).body.code).toBe('TASK_NOT_FOUND');
  });
});
