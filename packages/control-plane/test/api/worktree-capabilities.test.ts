/**
 * Placement by runner capability: an isolated-worktree task needs `git-worktree`, a role that
 * requires a sandbox `bwrap`. A manual dispatch no online runner can honour is 409
 * SANDBOX_UNAVAILABLE; the scheduler leaves such a task ready and records why once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { claimReady } from '../../src/scheduler/dispatchPass.js';
import { call, makeTestApi, removeTempDirs, type TestApi } from '../helpers/context.js';
import { H } from '../helpers/fixtures.js';
import { makeRepo, ok, seedWorktree, startWorktreeRun } from './worktree-fixtures.js';

function register(t: TestApi, name: string, capabilities?: string[], capacity = 2) {
  return ok(
    call(
      t.app,
      'POST',
      '/runners/register',
      { name, url: `http://127.0.0.1:9/${name}`, capacity, ...(capabilities ? { capabilities } : {}) },
      H,
    ),
    'register',
  );
}

describe('runner capabilities and placement', () => {
  let t: TestApi;
  afterEach(async () => {
    await t.close();
    removeTempDirs();
  });

  it('an older runner (no capabilities) cannot take an isolated-worktree task: 409, the task stays ready', async () => {
    t = await makeTestApi();
    const repo = makeRepo();
    const { templateId } = await seedWorktree(t, repo.root);
    const old = await register(t, 'old');
    expect(old.capabilities).toEqual([]);
    const run = await ok(startWorktreeRun(t, templateId));
    const plan = run.task_ids[0];
    const refused = await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('SANDBOX_UNAVAILABLE');
    expect(refused.body.capability).toBe('git-worktree');
    expect(refused.body.detail).toContain("'git-worktree'");
    expect(refused.body.detail).toContain('old [none]');
    const v = (await call(t.app, 'GET', `/tasks/${plan}`)).body;
    expect([v.status, v.attempt]).toEqual(['created', 0]);
    expect(t.runner.submits).toHaveLength(0);

    const capable = await register(t, 'new', ['git-worktree', 'bwrap']);
    expect((await call(t.app, 'GET', `/runners/${capable.id}`)).body.capabilities).toEqual([
      'git-worktree',
      'bwrap',
    ]);
    const sent = await ok(call(t.app, 'POST', `/tasks/${plan}/dispatch`));
    expect(sent.runner_submission.runner_url).toBe('http://127.0.0.1:9/new');
  });

  it('a role that requires a sandbox needs bwrap and says so in the payload', async () => {
    t = await makeTestApi();
    const repo = makeRepo();
    const { templateId } = await seedWorktree(t, repo.root, { constraints: { sandbox: 'required' } });
    await register(t, 'gitonly', ['git-worktree']);
    const run = await ok(startWorktreeRun(t, templateId));
    const refused = await call(t.app, 'POST', `/tasks/${run.task_ids[0]}/dispatch`);
    expect([refused.status, refused.body.code, refused.body.capability]).toEqual([
      409,
      'SANDBOX_UNAVAILABLE',
      'bwrap',
    ]);
    await register(t, 'boxed', ['git-worktree', 'bwrap']);
    const sent = await ok(call(t.app, 'POST', `/tasks/${run.task_ids[0]}/dispatch`));
    expect(sent.runner_payload.sandbox_required).toBe(true);
    expect(sent.runner_submission.runner_url).toBe('http://127.0.0.1:9/boxed');
  });

  it('the scheduler leaves the task ready, records one task.dispatch_blocked, and places it once a runner can', async () => {
    t = await makeTestApi({ dispatchMode: 'auto' });
    const repo = makeRepo();
    const { templateId } = await seedWorktree(t, repo.root);
    await register(t, 'old');
    const run = await ok(startWorktreeRun(t, templateId));
    const plan = run.task_ids[0];
    for (let pass = 0; pass < 3; pass++) expect((await claimReady(t.ctx)).claimed).toEqual([]);
    const blocked = (await call(t.app, 'GET', `/events?task_id=${plan}&event_type=task.dispatch_blocked`))
      .body;
    expect(blocked).toHaveLength(1);
    expect(blocked[0].payload).toMatchObject({ reason: 'sandbox-unavailable', capability: 'git-worktree' });
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body.status).toBe('created');

    await register(t, 'new', ['git-worktree']);
    expect((await claimReady(t.ctx)).claimed.map((c) => c.taskId)).toEqual([plan]);
  });

  it('capable runners that are busy are the usual NO_RUNNER_AVAILABLE', async () => {
    t = await makeTestApi();
    const repo = makeRepo();
    const { templateId } = await seedWorktree(t, repo.root);
    await register(t, 'small', ['git-worktree'], 1);
    await register(t, 'old', undefined, 4);
    const a = await ok(startWorktreeRun(t, templateId));
    const b = await ok(startWorktreeRun(t, templateId));
    await ok(call(t.app, 'POST', `/tasks/${a.task_ids[0]}/dispatch`));
    const busy = await call(t.app, 'POST', `/tasks/${b.task_ids[0]}/dispatch`);
    expect([busy.status, busy.body.code]).toEqual([409, 'NO_RUNNER_AVAILABLE']);
  });
});
