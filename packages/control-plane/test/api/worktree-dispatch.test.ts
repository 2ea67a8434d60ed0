/**
 * Isolated-worktree tasks on the wire: the runner payload's `worktree` (first step, downstream steps
 * with their upstream heads in dependency order, the merge task), the fence, and the terminal
 * report's worktree (stored on the attempt and the task, a commit artifact, the run's merged_sha).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, removeTempDirs, type TestApi } from '../helpers/context.js';
import { H, report, runnerHeaders } from '../helpers/fixtures.js';
import { makeRepo, ok, seedWorktree, startWorktreeRun } from './worktree-fixtures.js';

const sha = (c: string) => c.repeat(40);

async function capableRunner(t: TestApi, name = 'r1', capabilities = ['git-worktree']) {
  return ok(
    call(t.app, 'POST', '/runners/register', { name, url: `http://127.0.0.1:9/${name}`, capabilities }, H),
    'register',
  );
}

async function dispatch(t: TestApi, taskId: number) {
  return ok(call(t.app, 'POST', `/tasks/${taskId}/dispatch`), `dispatch ${taskId}`);
}

function done(t: TestApi, taskId: number, head: string, extra: Record<string, unknown> = {}) {
  return report(t, taskId, {
    status: 'success',
    attempt: 1,
    exit_code: 0,
    handoff: { summary: `did ${taskId}\nsecond line` },
    worktree: {
      path: `/tmp/wt/${taskId}`,
      branch: `b${taskId}`,
      base_sha: sha('a'),
      start_sha: sha('a'),
      head_sha: head,
      committed: true,
      files_changed: 2,
      insertions: 5,
      deletions: 1,
      files: ['src/x.ts', 'src/y.ts'],
      cleanup: { attempted: true, removed: true, message: 'removed' },
    },
    ...extra,
  });
}

describe('isolated-worktree dispatch and reports', () => {
  let t: TestApi;
  afterEach(async () => {
    await t.close();
    removeTempDirs();
  });

  it('sends worktree specs with upstream heads in order, and the merge task lands them', async () => {
    t = await makeTestApi();
    const repo = makeRepo();
    const { templateId, projectId } = await seedWorktree(t, repo.root);
    await capableRunner(t);
    const run = await ok(startWorktreeRun(t, templateId));
    const [plan, build, docs, merge] = run.task_ids as number[];

    const first = (await dispatch(t, plan!)).runner_payload;
    expect(first.worktree).toEqual({
      repo_root: repo.root,
      branch: `multyagents/run-${run.id}/plan`,
      step_key: 'plan',
      base_sha: repo.main,
      base_branch: 'main',
      upstream: [],
      setup: { copy_files: ['.env'], command: null, hooks: false, lfs_smudge: false },
    });
    expect(first.sandbox_required).toBeUndefined();
    expect((await done(t, plan!, sha('b'))).status).toBe(200);

    const down = (await dispatch(t, build!)).runner_payload;
    expect(down.worktree.upstream).toEqual([{ task_id: plan, step_id: 'plan', commit: sha('b') }]);
    expect(down.worktree.branch).toBe(`multyagents/run-${run.id}/build`);
    await dispatch(t, docs!);
    await ok(done(t, build!, sha('c')));
    await ok(done(t, docs!, sha('d')));

    const m = (await dispatch(t, merge!)).runner_payload.worktree;
    expect(m.upstream.map((u: any) => [u.task_id, u.commit])).toEqual([
      [plan, sha('b')],
      [build, sha('c')],
      [docs, sha('d')],
    ]);
    expect(m.merge).toEqual({
      target_branch: 'main',
      expected_sha: repo.main,
      strategy: 'fast-forward',
      message: `multyagents: run ${run.id} (feature)\n\nplan: did ${plan}\nbuild: did ${build}\ndocs: did ${docs}`,
    });
    const merged = { target_branch: 'main', old_sha: repo.main, new_sha: sha('e'), strategy: 'fast-forward' };
    await ok(
      report(t, merge!, {
        status: 'success',
        attempt: 1,
        worktree: {
          path: null,
          branch: 'main',
          base_sha: repo.main,
          start_sha: sha('e'),
          head_sha: sha('e'),
          merged,
        },
      }),
    );
    const after = (await call(t.app, 'GET', `/workflow-runs/${run.id}`)).body;
    expect(after.status).toBe('success');
    expect(after.worktree.merged_sha).toBe(sha('e'));
    const events = (await call(t.app, 'GET', `/events?run_id=${run.id}&event_type=workflow_run.merged`)).body;
    expect(events).toHaveLength(1);
    expect(events[0].payload).toEqual(merged);

    // Each committed step left one commit artifact; the merge task none.
    const arts = (await call(t.app, 'GET', `/artifacts?run_id=${run.id}`)).body;
    expect(arts.map((a: any) => [a.producer_task_id, a.artifact_type, a.location])).toEqual([
      [plan, 'commit', `b${plan}@${sha('b')}`],
      [build, 'commit', `b${build}@${sha('c')}`],
      [docs, 'commit', `b${docs}@${sha('d')}`],
    ]);
    expect(arts[0].metadata).toMatchObject({
      kind: 'git-commit',
      files_changed: 2,
      insertions: 5,
      deletions: 1,
      files: ['src/x.ts', 'src/y.ts'],
      base_sha: sha('a'),
      start_sha: sha('a'),
    });
    const planView = (await call(t.app, 'GET', `/tasks/${plan}`)).body;
    expect(planView.worktree).toMatchObject({
      attempt: 1,
      head_sha: sha('b'),
      branch: `b${plan}`,
      committed: true,
      stats: { files_changed: 2, insertions: 5, deletions: 1 },
      merged: null,
    });
    const audit = (await call(t.app, 'GET', `/tasks/${plan}/audit`)).body;
    expect(audit.attempts[0].worktree.head_sha).toBe(sha('b'));
    expect(projectId).toBeGreaterThan(0);
  });

  it('fences: the current live attempt is 200, a stale or unknown one 409 STALE_ATTEMPT; a stale report stores nothing', async () => {
    t = await makeTestApi();
    const repo = makeRepo();
    const { templateId } = await seedWorktree(t, repo.root, {
      constraints: { retry_policy: { max_retries: 1, retry_on: ['unknown'], backoff_initial_ms: 0 } },
    });
    const runner = await capableRunner(t);
    const run = await ok(startWorktreeRun(t, templateId));
    const plan = run.task_ids[0] as number;
    await dispatch(t, plan);
    const fence = (id: number, attempt: number, headers?: Record<string, string>) =>
      call(t.app, 'POST', `/runner/tasks/${id}/fence`, { attempt }, headers ?? runnerHeaders(t, runner.id));
    expect((await fence(plan, 1)).body).toEqual({ current: true, task_id: plan, attempt: 1 });
    expect((await fence(plan, 1, {})).status).toBe(401);
    expect((await fence(plan, 1, H)).body.code).toBe('RUNNER_CREDENTIAL_INVALID');
    const other = await fence(run.task_ids[1], 1);
    expect([other.status, other.body.code]).toEqual([409, 'STALE_ATTEMPT']);
    expect((await fence(9999, 1)).status).toBe(404);

    // Attempt 1 fails and is retried as attempt 2: attempt 1 is fenced from now on.
    await ok(report(t, plan, { status: 'failed', attempt: 1, message: 'boom' }));
    await dispatch(t, plan);
    const stale = await fence(plan, 1);
    expect([stale.status, stale.body.code]).toEqual([409, 'STALE_ATTEMPT']);
    expect((await fence(plan, 2)).status).toBe(200);
    const late = await done(t, plan, sha('f'));
    expect([late.status, late.body.code]).toEqual([409, 'STALE_ATTEMPT']);
    const view = (await call(t.app, 'GET', `/tasks/${plan}`)).body;
    expect(view.worktree).toBeNull();
    expect((await call(t.app, 'GET', `/artifacts?run_id=${run.id}`)).body).toHaveLength(0);
  });

  it('a workspace-git failure is triaged with the conflicts and is not retried', async () => {
    t = await makeTestApi();
    const repo = makeRepo();
    const { templateId } = await seedWorktree(t, repo.root, {
      constraints: { retry_policy: { max_retries: 3, retry_on: ['unknown', 'network', 'runner-transient'] } },
    });
    await capableRunner(t);
    const run = await ok(startWorktreeRun(t, templateId));
    const plan = run.task_ids[0] as number;
    await dispatch(t, plan);
    await ok(
      report(t, plan, {
        status: 'failed',
        attempt: 1,
        failure_step: 'workspace',
        message: 'workspace-git: merge conflict while merging upstream commits',
        worktree: {
          path: '/tmp/wt/plan',
          branch: null,
          base_sha: repo.main,
          start_sha: null,
          head_sha: null,
          conflicts: ['src/a.ts', 'src/b.ts'],
          conflict_commits: [sha('1'), sha('2')],
        },
      }),
    );
    const v = (await call(t.app, 'GET', `/tasks/${plan}`)).body;
    expect(v.status).toBe('failed');
    expect(v.retries_used).toBe(0);
    expect(v.failure_category).toBe('workspace-git');
    expect(v.failure_step).toBe('workspace');
    expect(v.failure_triage_hints.join('\n')).toContain('src/a.ts, src/b.ts');
    expect(v.failure_triage_hints.join('\n')).toContain(sha('1'));
    expect(v.suggested_next_actions).toContain(
      'resolve the conflict on the step branches and partial-rerun the merge',
    );
    expect(v.worktree.conflicts).toEqual(['src/a.ts', 'src/b.ts']);
    // The run failed with it (its waiting tasks were canceled).
    const r = (await call(t.app, 'GET', `/workflow-runs/${run.id}`)).body;
    expect([r.status, r.failure_categories[0]]).toEqual(['failed', 'workspace-git']);
  });
});
