/** Shared set-up of the worktree-*.test.ts files: real temp git repositories and a worktree template. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { call, tempDir, type TestApi } from '../helpers/context.js';

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.invalid',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.invalid',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
    },
  }).trim();
}

/** A repository with one commit on `main` and a second branch `dev` one commit ahead. */
export function makeRepo(): { root: string; main: string; dev: string } {
  const root = tempDir('ma-wt-repo-');
  git(root, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(root, 'README.md'), 'hello\n');
  git(root, 'add', 'README.md');
  git(root, 'commit', '-q', '-m', 'first');
  const main = git(root, 'rev-parse', 'HEAD');
  git(root, 'checkout', '-q', '-b', 'dev');
  fs.writeFileSync(path.join(root, 'dev.txt'), 'dev\n');
  git(root, 'add', 'dev.txt');
  git(root, 'commit', '-q', '-m', 'dev');
  const dev = git(root, 'rev-parse', 'HEAD');
  git(root, 'checkout', '-q', 'main');
  return { root, main, dev };
}

export async function ok(p: Promise<{ status: number; body: any }>, what = 'request') {
  const r = await p;
  if (r.status !== 200) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * A project on `root`, a role and a template whose steps run in isolated-worktree:
 * plan → (build, docs) (build and docs both depend on plan).
 */
export async function seedWorktree(
  t: TestApi,
  root: string,
  opts: {
    merge?: Record<string, unknown>;
    defaultBranch?: string;
    constraints?: Record<string, unknown>;
  } = {},
) {
  const project = await ok(
    call(t.app, 'POST', '/projects', {
      name: 'repo',
      root_path: root,
      ...(opts.defaultBranch ? { default_branch: opts.defaultBranch } : {}),
      worktree_setup: { copy_files: ['.env'] },
    }),
    'project',
  );
  const role = await ok(
    call(t.app, 'POST', '/roles', { name: 'coder', execution_constraints: opts.constraints ?? {} }),
    'role',
  );
  const other = await ok(call(t.app, 'POST', '/roles', { name: 'writer' }), 'role');
  const tpl = await ok(
    call(t.app, 'POST', '/workflow-templates', {
      name: 'feature',
      project_id: project.id,
      execution_mode: 'isolated-worktree',
      ...(opts.merge ? { merge: opts.merge } : {}),
      steps: [
        { step_id: 'plan', role_id: role.id, title: 'Plan' },
        { step_id: 'build', role_id: role.id, title: 'Build', depends_on: ['plan'] },
        { step_id: 'docs', role_id: other.id, title: 'Docs', depends_on: ['plan'] },
      ],
    }),
    'template',
  );
  return {
    projectId: project.id as number,
    roleId: role.id as number,
    otherRoleId: other.id as number,
    templateId: tpl.id as number,
  };
}

export function startWorktreeRun(t: TestApi, templateId: number, extra: Record<string, unknown> = {}) {
  return call(t.app, 'POST', '/workflow-runs', { workflow_template_id: templateId, ...extra });
}
