/**
 * Isolated-worktree runs at creation: the base is resolved from the project's git repository (run
 * override, project default, current branch), refusals name the root and the branch, and a run with
 * merge enabled gets its merge task after every step.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MERGE_STEP_ID } from '@multyagents/contracts';
import { call, makeTestApi, removeTempDirs, tempDir, type TestApi } from '../helpers/context.js';
import { git, makeRepo, ok, seedWorktree, startWorktreeRun } from './worktree-fixtures.js';

describe('isolated-worktree run creation', () => {
  let t: TestApi;
  afterEach(async () => {
    await t.close();
    removeTempDirs();
  });

  it('takes the current branch by default, records base and target, and appends the merge task', async () => {
    t = await makeTestApi();
    const repo = makeRepo();
    const { templateId, otherRoleId } = await seedWorktree(t, repo.root);
    const run = await ok(startWorktreeRun(t, templateId));
    expect(run.worktree).toEqual({
      base_branch: 'main',
      base_sha: repo.main,
      target_branch: 'main',
      merge_strategy: 'fast-forward',
      merged_sha: null,
    });
    expect(run.task_ids).toHaveLength(4);
    const tasks = (await call(t.app, 'GET', `/tasks?run_id=${run.id}`)).body;
    const merge = tasks[3];
    expect(tasks.slice(0, 3).map((x: any) => [x.kind, x.execution_mode])).toEqual([
      ['step', 'isolated-worktree'],
      ['step', 'isolated-worktree'],
      ['step', 'isolated-worktree'],
    ]);
    expect(merge).toMatchObject({
      step_id: MERGE_STEP_ID,
      kind: 'merge',
      title: `Merge run ${run.id} into main`,
      execution_mode: 'isolated-worktree',
      role_id: otherRoleId,
      requires_approval: false,
      depends_on: run.task_ids.slice(0, 3),
    });
  });

  it('prefers the run base_branch over the project default_branch over the current branch', async () => {
    t = await makeTestApi();
    const repo = makeRepo();
    const { templateId } = await seedWorktree(t, repo.root, { defaultBranch: 'dev' });
    const byProject = await ok(startWorktreeRun(t, templateId));
    expect(byProject.worktree).toMatchObject({
      base_branch: 'dev',
      base_sha: repo.dev,
      target_branch: 'dev',
    });
    const byRun = await ok(startWorktreeRun(t, templateId, { base_branch: 'main' }));
    expect(byRun.worktree).toMatchObject({ base_branch: 'main', base_sha: repo.main });
  });

  it('refuses an unknown branch, a detached HEAD and a root outside git with 422 WORKSPACE_NOT_GIT', async () => {
    t = await makeTestApi();
    const repo = makeRepo();
    const { templateId } = await seedWorktree(t, repo.root);
    const unknown = await startWorktreeRun(t, templateId, { base_branch: 'nope' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.code).toBe('WORKSPACE_NOT_GIT');
    expect(unknown.body.detail).toContain("branch 'nope'");
    expect(unknown.body.detail).toContain(repo.root);

    git(repo.root, 'checkout', '-q', '--detach');
    const detached = await startWorktreeRun(t, templateId);
    expect(detached.status).toBe(422);
    expect(detached.body.detail).toContain('detached HEAD');

    const plain = tempDir('ma-wt-plain-');
    await ok(call(t.app, 'PUT', '/projects/1', { name: 'repo', root_path: plain }));
    const notGit = await startWorktreeRun(t, templateId);
    expect(notGit.status).toBe(422);
    expect(notGit.body.code).toBe('WORKSPACE_NOT_GIT');
    expect(notGit.body.detail).toContain(plain);
    // Nothing was created by the refusals.
    expect((await call(t.app, 'GET', '/workflow-runs')).body).toHaveLength(0);
  });

  it('a merge that needs approval gates the merge task; merge disabled adds none', async () => {
    t = await makeTestApi();
    const repo = makeRepo();
    const gated = await seedWorktree(t, repo.root, {
      merge: { requires_approval: true, strategy: 'merge-commit' },
    });
    const run = await ok(startWorktreeRun(t, gated.templateId));
    expect(run.worktree.merge_strategy).toBe('merge-commit');
    const merge = (await call(t.app, 'GET', `/tasks/${run.task_ids[3]}`)).body;
    expect(merge.requires_approval).toBe(true);
    expect(merge.approval_status).toBe('pending');

    // The read view's read-only fields are not sent back: a body with `id` is 422 UNKNOWN_FIELD.
    const {
      id: _id,
      created_at: _c,
      updated_at: _u,
      ...tpl
    } = (await call(t.app, 'GET', `/workflow-templates/${gated.templateId}`)).body;
    await ok(
      call(t.app, 'PUT', `/workflow-templates/${gated.templateId}`, { ...tpl, merge: { enabled: false } }),
    );
    const plain = await ok(startWorktreeRun(t, gated.templateId));
    expect(plain.task_ids).toHaveLength(3);
    expect(plain.worktree).toMatchObject({ base_branch: 'main', target_branch: null, merge_strategy: null });
  });

  it('a run without isolated-worktree steps asks nothing of git and has no worktree', async () => {
    t = await makeTestApi();
    const plain = tempDir('ma-wt-plain-');
    const { templateId } = await seedWorktree(t, plain);
    const run = await ok(
      startWorktreeRun(t, templateId, {
        step_task_overrides: Object.fromEntries(
          // v1: a step the client puts in shared-workspace names its lock paths.
          ['plan', 'build', 'docs'].map((s) => [
            s,
            { execution_mode: 'shared-workspace', lock_paths: [plain] },
          ]),
        ),
      }),
    );
    expect(run.worktree).toBeNull();
    expect(run.task_ids).toHaveLength(3);
  });

  it('a merge target other than the base must exist', async () => {
    t = await makeTestApi();
    const repo = makeRepo();
    const { templateId } = await seedWorktree(t, repo.root, { merge: { target_branch: 'release' } });
    const missing = await startWorktreeRun(t, templateId);
    expect(missing.status).toBe(422);
    expect(missing.body.detail).toContain("'release'");
    git(repo.root, 'branch', 'release', repo.dev);
    const run = await ok(startWorktreeRun(t, templateId));
    expect(run.worktree).toMatchObject({ base_branch: 'main', target_branch: 'release' });
  });

  it('step ids starting with multyagents. are reserved (422 RESERVED_STEP_ID)', async () => {
    t = await makeTestApi();
    const role = await ok(call(t.app, 'POST', '/roles', { name: 'coder' }));
    const r = await call(t.app, 'POST', '/workflow-templates', {
      name: 'bad',
      steps: [
        { step_id: 'plan', role_id: role.id, title: 'Plan' },
        { step_id: MERGE_STEP_ID, role_id: role.id, title: 'Sneaky', depends_on: ['plan'] },
      ],
    });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('RESERVED_STEP_ID');
    expect(r.body.field).toBe('steps[1].step_id');
  });

  it('standalone isolated-worktree tasks record their base; without a git project they are refused', async () => {
    t = await makeTestApi();
    const repo = makeRepo();
    const { projectId, roleId } = await seedWorktree(t, repo.root);
    const task = await ok(
      call(t.app, 'POST', '/tasks', {
        role_id: roleId,
        title: 'Fix it',
        execution_mode: 'isolated-worktree',
        project_id: projectId,
      }),
    );
    expect(task).toMatchObject({ base_branch: 'main', base_sha: repo.main, kind: 'step', worktree: null });
    const none = await call(t.app, 'POST', '/tasks', {
      role_id: roleId,
      title: 'Fix it',
      execution_mode: 'isolated-worktree',
    });
    expect(none.status).toBe(422);
    expect(none.body.code).toBe('WORKSPACE_NOT_GIT');
    expect((await call(t.app, 'GET', '/tasks')).body).toHaveLength(1);
  });

  it('a first-version project update keeps default_branch and worktree_setup', async () => {
    t = await makeTestApi();
    const repo = makeRepo();
    await seedWorktree(t, repo.root, { defaultBranch: 'dev' });
    const updated = await ok(call(t.app, 'PUT', '/projects/1', { name: 'renamed', root_path: repo.root }));
    expect(updated).toMatchObject({
      name: 'renamed',
      default_branch: 'dev',
      worktree_setup: { copy_files: ['.env'], command: null, hooks: false, lfs_smudge: false },
    });
    const v1 = await ok(call(t.app, 'POST', '/projects', { name: 'v1', root_path: tempDir() }));
    expect(v1).toMatchObject({ default_branch: null, worktree_setup: { copy_files: [] } });
  });
});
