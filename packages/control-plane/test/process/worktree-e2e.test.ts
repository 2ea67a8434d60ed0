import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeBwrap } from '../../src/executors/sandbox.js';
import { freePort, http, startApiProc, startRunnerProc, waitFor, type Proc } from '../helpers/procs.js';

/**
 * isolated-worktree end to end with real processes (API + runner, the `command` executor running a
 * tiny agent that follows `@@WRITE path content` lines of its task description): each step works in its
 * own worktree outside the repository, its result is committed on its step branch, the next step starts
 * from it, and the run's merge task lands everything on `main` with a compare-and-swap. Judged from
 * git itself: refs, trees, trailers, the user's checkout.
 */
const AGENT = `
const fs = require('fs'), path = require('path');
const prompt = process.env.MULTYAGENTS_PROMPT || '';
const wrote = [];
for (const m of prompt.matchAll(/^@@WRITE (\\S+) (.*)$/gm)) {
  fs.mkdirSync(path.dirname(m[1]), { recursive: true });
  fs.writeFileSync(m[1], m[2] + '\\n');
  wrote.push(m[1]);
}
for (const m of prompt.matchAll(/^@@COPY (\\S+) (\\S+)$/gm)) {
  fs.writeFileSync(m[2], fs.existsSync(m[1]) ? fs.readFileSync(m[1]) : 'missing\\n');
  wrote.push(m[2]);
}
const mine = /^@@WRITEATTEMPT (\\S+)$/m.exec(prompt);
if (mine) {
  fs.writeFileSync(mine[1], 'attempt ' + process.env.MULTYAGENTS_ATTEMPT + '\\n');
  wrote.push(mine[1]);
}
const sleep = /^@@SLEEP (\\d+)$/m.exec(prompt);
if (sleep) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(sleep[1]));
const done = () => fs.writeFileSync(process.env.MULTYAGENTS_RESULT_FILE, JSON.stringify({
  summary: 'wrote ' + (wrote.join(', ') || 'nothing') + ' in ' + path.basename(process.cwd()),
  next_actions: [], open_questions: [], artifacts: [],
}));
const connect = /^@@CONNECT (\\S+) (\\d+)$/m.exec(prompt);
if (!connect) done();
else {
  const sock = require('net').connect(Number(connect[2]), '127.0.0.1');
  const note = (what) => { fs.writeFileSync(connect[1], what + '\\n'); wrote.push(connect[1]); sock.destroy(); done(); };
  sock.once('connect', () => note('connected'));
  sock.once('error', (e) => note('refused ' + e.code));
}
`;

const ENV = {
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.invalid',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.invalid',
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...ENV } }).trim();

let root: string;
let base: string;
let runnerDir: string;
let runner: Proc;
const procs: Proc[] = [];

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-wt-e2e-'));
  const [apiPort, runnerPort] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${apiPort}`;
  procs.push(
    await startApiProc(root, apiPort, {
      MULTYAGENTS_SCHEDULER_INTERVAL_MS: '50',
      // The frozen-runner journey: a runner silent this long is unreachable, its attempts lost.
      MULTYAGENTS_HEARTBEAT_TIMEOUT_MS: '1500',
    }),
  );
  runnerDir = path.join(root, 'runner');
  procs.push(
    (runner = await startRunnerProc(root, base, runnerPort, runnerDir, [
      '--executor',
      'command',
      '--command-argv',
      JSON.stringify([process.execPath, '-e', AGENT]),
      '--command-prompt-via',
      'env',
      '--capacity',
      '4',
    ])),
  );
}, 60_000);

afterAll(async () => {
  for (const p of procs.splice(0)) await p.kill('SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
});

function makeRepo(name: string): string {
  const repo = path.join(root, name);
  fs.mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'README.md'), 'hello\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'initial');
  return repo;
}

type Step = { step_id: string; description: string; depends_on?: string[] };

async function startRun(
  repo: string,
  steps: Step[],
  merge: Record<string, unknown> = {},
  role_constraints: Record<string, unknown> = {},
  project_extra: Record<string, unknown> = {},
) {
  const project = await http('POST', `${base}/projects`, {
    name: path.basename(repo),
    root_path: repo,
    ...project_extra,
  });
  expect(project.status, JSON.stringify(project.body)).toBe(200);
  const role = await http('POST', `${base}/roles`, {
    name: `r-${path.basename(repo)}`,
    execution_constraints: role_constraints,
  });
  const tpl = await http('POST', `${base}/workflow-templates`, {
    name: `wf-${path.basename(repo)}`,
    project_id: project.body.id,
    execution_mode: 'isolated-worktree',
    merge,
    steps: steps.map((s) => ({ role_id: role.body.id, title: s.step_id, timeout_seconds: 60, ...s })),
  });
  expect(tpl.status, JSON.stringify(tpl.body)).toBe(200);
  const run = await http('POST', `${base}/workflow-runs`, { workflow_template_id: tpl.body.id });
  expect(run.status, JSON.stringify(run.body)).toBe(200);
  return run.body.id as number;
}

async function waitRun(id: number, until = ['success', 'failed', 'canceled']) {
  const run = await waitFor(
    `run ${id}`,
    async () => {
      const v = (await http('GET', `${base}/workflow-runs/${id}`)).body;
      return until.includes(v.status) ? v : null;
    },
    60_000,
    100,
  );
  const tasks: Array<Record<string, any>> = [];
  for (const t of run.task_ids as number[]) tasks.push((await http('GET', `${base}/tasks/${t}`)).body);
  return { run, tasks, why: JSON.stringify(tasks, null, 1).slice(0, 8000) };
}

const bwrap = await probeBwrap();

describe('isolated-worktree with real processes', () => {
  it('plan → build → review: each step commits in its own worktree; the run lands on main', async () => {
    const repo = makeRepo('happy');
    const before = git(repo, 'rev-parse', 'main');
    const id = await startRun(repo, [
      { step_id: 'plan', description: '@@WRITE PLAN.md the plan' },
      { step_id: 'build', description: '@@WRITE src/app.txt built', depends_on: ['plan'] },
      { step_id: 'review', description: '@@WRITE REVIEW.md approved', depends_on: ['build'] },
    ]);
    const { run, tasks, why } = await waitRun(id);
    expect(run.status, why).toBe('success');
    const [plan, build, review, merge] = tasks;
    expect(merge!.kind).toBe('merge');
    // Each step started where its upstream ended, in a worktree outside the repository.
    expect(plan!.worktree.start_sha, why).toBe(before);
    expect(build!.worktree.start_sha).toBe(plan!.worktree.head_sha);
    expect(review!.worktree.start_sha).toBe(build!.worktree.head_sha);
    for (const t of [plan, build, review]) {
      expect(t!.worktree.committed, why).toBe(true);
      expect(t!.worktree.path.startsWith(path.join(runnerDir, 'worktrees'))).toBe(true);
      // Removed after success, once its commit was pinned.
      expect(fs.existsSync(t!.worktree.path)).toBe(false);
      expect(git(repo, 'rev-parse', `refs/multyagents/attempts/${t!.id}-1`)).toBe(t!.worktree.head_sha);
      expect(git(repo, 'rev-parse', `refs/heads/multyagents/run-${id}/${t!.step_id}`)).toBe(
        t!.worktree.head_sha,
      );
    }
    // The build commit: its own change only, message from the handoff, trailers naming the attempt.
    expect(git(repo, 'show', '--name-only', '--format=', build!.worktree.head_sha)).toBe('src/app.txt');
    const body = git(repo, 'show', '-s', '--format=%B', build!.worktree.head_sha);
    expect(body).toContain('wrote src/app.txt in build');
    expect(body).toContain(`Multyagents-Task: ${build!.id}`);
    expect(body).toContain('Multyagents-Attempt: 1');
    // main moved by fast-forward to the review commit; the user's checkout came along.
    expect(git(repo, 'rev-parse', 'main')).toBe(review!.worktree.head_sha);
    expect(run.worktree).toMatchObject({ base_sha: before, merged_sha: review!.worktree.head_sha });
    expect(fs.readFileSync(path.join(repo, 'src/app.txt'), 'utf8')).toBe('built\n');
    expect(git(repo, 'status', '--porcelain')).toBe('');
    expect(merge!.worktree.merged).toMatchObject({ target_branch: 'main', old_sha: before });
  });

  it('two parallel builders on one file: the merge fails with workspace-git naming the file; main is untouched', async () => {
    const repo = makeRepo('conflict');
    const before = git(repo, 'rev-parse', 'main');
    const id = await startRun(repo, [
      { step_id: 'left', description: '@@WRITE shared.txt from left' },
      { step_id: 'right', description: '@@WRITE shared.txt from right' },
    ]);
    const { run, tasks, why } = await waitRun(id);
    expect(run.status, why).toBe('failed');
    const merge = tasks.find((t) => t.kind === 'merge')!;
    expect(merge.failure_category, why).toBe('workspace-git');
    expect(merge.worktree.conflicts).toEqual(['shared.txt']);
    expect(merge.failure_triage_hints.join('\n')).toContain('shared.txt');
    expect(git(repo, 'rev-parse', 'main')).toBe(before);
    // Both builders' commits are kept on their branches.
    for (const t of tasks.filter((x) => x.kind === 'step'))
      expect(git(repo, 'show', `multyagents/run-${id}/${t.step_id}:shared.txt`)).toBe(`from ${t.step_id}`);
  });

  it('main moved by hand while the merge waited for approval: caught, never overwritten', async () => {
    const repo = makeRepo('moved');
    const id = await startRun(repo, [{ step_id: 'only', description: '@@WRITE a.txt a' }], {
      requires_approval: true,
    });
    const merge = await waitFor(
      'the merge task to wait for its approval',
      async () => {
        const run = (await http('GET', `${base}/workflow-runs/${id}`)).body;
        const t = (await http('GET', `${base}/tasks/${(run.task_ids as number[]).at(-1)}`)).body;
        const first = (await http('GET', `${base}/tasks/${(run.task_ids as number[])[0]}`)).body;
        return first.status === 'success' ? t : null;
      },
      30_000,
      100,
    );
    fs.writeFileSync(path.join(repo, 'hand.txt'), 'by hand\n');
    git(repo, 'add', 'hand.txt');
    git(repo, 'commit', '-qm', 'a commit by hand');
    const byHand = git(repo, 'rev-parse', 'main');
    expect(merge.approval_status, JSON.stringify(merge)).toBe('pending');
    const approve = await http('POST', `${base}/approvals/${merge.approval_id}/approve`, {});
    expect(approve.status, JSON.stringify(approve.body)).toBe(200);
    const { run, tasks, why } = await waitRun(id);
    expect(run.status, why).toBe('failed');
    const m = tasks.find((t) => t.kind === 'merge')!;
    expect(m.failure_category, why).toBe('workspace-git');
    expect(m.message).toMatch(/target-moved/);
    expect(git(repo, 'rev-parse', 'main')).toBe(byHand);
  });

  it('a stale index.lock planted in the repository does not lose the commit', async () => {
    const repo = makeRepo('stale-lock');
    const lock = path.join(repo, '.git', 'index.lock');
    fs.writeFileSync(lock, '');
    const old = new Date(Date.now() - 3_600_000);
    fs.utimesSync(lock, old, old);
    const id = await startRun(repo, [{ step_id: 'only', description: '@@WRITE b.txt b' }]);
    const { run, tasks, why } = await waitRun(id);
    expect(run.status, why).toBe('success');
    expect(git(repo, 'rev-parse', 'main')).toBe(tasks[0]!.worktree.head_sha);
    expect(fs.existsSync(lock)).toBe(false);
    expect(fs.readdirSync(path.join(repo, '.git')).some((f) => f.startsWith('index.lock.stale-'))).toBe(true);
    expect(fs.readFileSync(path.join(repo, 'b.txt'), 'utf8')).toBe('b\n');
  });

  it.skipIf(!bwrap.ok)(
    `sandboxed: network on by default, off when the role says network: false (bwrap: ${bwrap.message})`,
    async () => {
      const port = Number(new URL(base).port);
      for (const [name, constraints, expected] of [
        ['net-on', {}, 'connected'],
        ['net-off', { network: false }, 'refused ECONNREFUSED'],
      ] as const) {
        const repo = makeRepo(name);
        const id = await startRun(
          repo,
          [{ step_id: 'dial', description: `@@CONNECT dial.txt ${port}` }],
          {},
          constraints,
        );
        const { run, why } = await waitRun(id);
        expect(run.status, why).toBe('success');
        expect(git(repo, 'show', 'main:dial.txt'), name).toBe(expected);
      }
    },
  );

  it('a runner frozen past its heartbeat timeout: its stale attempt writes nothing to git', async () => {
    const repo = makeRepo('frozen');
    const id = await startRun(
      repo,
      [{ step_id: 'work', description: '@@WRITEATTEMPT work.txt\n@@SLEEP 4000' }],
      {},
      { retry_policy: { max_retries: 1, retry_on: ['runner-lost'], backoff_initial_ms: 0, jitter: 0 } },
    );
    const taskId = (await http('GET', `${base}/workflow-runs/${id}`)).body.task_ids[0] as number;
    await waitFor(
      'attempt 1 running',
      async () => (await http('GET', `${base}/tasks/${taskId}`)).body.status === 'running',
      30_000,
      50,
    );
    process.kill(runner.pid, 'SIGSTOP');
    try {
      await waitFor(
        'attempt 1 lost',
        async () =>
          (
            (await http('GET', `${base}/tasks/${taskId}/audit`)).body.attempts as Array<Record<string, any>>
          )[0]!.status === 'lost',
        30_000,
        100,
      );
    } finally {
      process.kill(runner.pid, 'SIGCONT');
    }
    const { run, tasks, why } = await waitRun(id);
    expect(run.status, why).toBe('success');
    const audit = (await http('GET', `${base}/tasks/${taskId}/audit`)).body;
    const a1 = (audit.attempts as Array<Record<string, any>>).find((a) => a.attempt === 1)!;
    expect(a1.status, JSON.stringify(audit.attempts)).toBe('lost');
    // Only attempt 2 wrote to git: its commit is the step's and main's; attempt 1 left no pin, no commit.
    expect(tasks[0]!.worktree.head_sha).toBe(git(repo, 'rev-parse', 'main'));
    expect(git(repo, 'show', 'main:work.txt')).toBe('attempt 2');
    expect(git(repo, 'for-each-ref', `refs/multyagents/attempts/${taskId}-1`)).toBe('');
    expect(git(repo, 'log', '--all', '--format=%(trailers:key=Multyagents-Attempt,valueonly)')).not.toContain(
      '1',
    );
  });

  it('merge-commit strategy: two parallel steps land as one merge commit on main', async () => {
    const repo = makeRepo('merge-commit');
    const before = git(repo, 'rev-parse', 'main');
    const id = await startRun(
      repo,
      [
        { step_id: 'one', description: '@@WRITE one.txt 1' },
        { step_id: 'two', description: '@@WRITE two.txt 2' },
      ],
      { strategy: 'merge-commit' },
    );
    const { run, why } = await waitRun(id);
    expect(run.status, why).toBe('success');
    const parents = git(repo, 'show', '-s', '--format=%P', 'main').split(' ');
    expect(parents[0]).toBe(before);
    expect(parents).toHaveLength(2);
    expect(git(repo, 'ls-tree', '--name-only', 'main').split('\n').sort()).toEqual([
      'README.md',
      'one.txt',
      'two.txt',
    ]);
    expect(run.worktree).toMatchObject({
      merge_strategy: 'merge-commit',
      merged_sha: git(repo, 'rev-parse', 'main'),
    });
  });

  it("the project's worktree setup copies an ignored .env and runs its command in each worktree", async () => {
    const repo = makeRepo('setup');
    fs.writeFileSync(path.join(repo, '.gitignore'), '.env\nsetup.log\n');
    git(repo, 'add', '.gitignore');
    git(repo, 'commit', '-qm', 'ignore');
    fs.writeFileSync(path.join(repo, '.env'), 'TOKEN=from-the-project\n');
    const id = await startRun(
      repo,
      [{ step_id: 'use', description: '@@COPY .env seen-env.txt\n@@COPY setup.log seen-setup.txt' }],
      {},
      {},
      { worktree_setup: { copy_files: ['.env'], command: ['sh', '-c', 'echo prepared > setup.log'] } },
    );
    const { run, why } = await waitRun(id);
    expect(run.status, why).toBe('success');
    expect(git(repo, 'show', 'main:seen-env.txt')).toBe('TOKEN=from-the-project');
    expect(git(repo, 'show', 'main:seen-setup.txt')).toBe('prepared');
    // Ignored files stay out of the commit.
    expect(git(repo, 'ls-tree', '--name-only', 'main')).not.toMatch(/^(\.env|setup\.log)$/m);
  });

  it('a standalone isolated-worktree task commits on multyagents/task-<id> and leaves main alone', async () => {
    const repo = makeRepo('standalone');
    const before = git(repo, 'rev-parse', 'main');
    const project = await http('POST', `${base}/projects`, { name: 'standalone', root_path: repo });
    const role = await http('POST', `${base}/roles`, { name: 'r-standalone' });
    const created = await http('POST', `${base}/tasks`, {
      role_id: role.body.id,
      project_id: project.body.id,
      title: 'alone',
      description: '@@WRITE alone.txt by myself',
      execution_mode: 'isolated-worktree',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const id = created.body.id as number;
    const dispatched = await http('POST', `${base}/tasks/${id}/dispatch`);
    expect(dispatched.status, JSON.stringify(dispatched.body)).toBe(200);
    const t = await waitFor(
      'the task to end',
      async () => {
        const v = (await http('GET', `${base}/tasks/${id}`)).body;
        return ['success', 'failed', 'canceled'].includes(v.status) ? v : null;
      },
      30_000,
      100,
    );
    expect(t.status, JSON.stringify(t)).toBe('success');
    expect(t.base_sha).toBe(before);
    expect(git(repo, 'rev-parse', `multyagents/task-${id}`)).toBe(t.worktree.head_sha);
    expect(git(repo, 'show', `multyagents/task-${id}:alone.txt`)).toBe('by myself');
    expect(git(repo, 'rev-parse', 'main')).toBe(before);
  });

  it('a read-only role whose agent writes anyway: failed as a permission matter, nothing committed', async () => {
    const repo = makeRepo('read-only');
    const before = git(repo, 'rev-parse', 'main');
    const id = await startRun(
      repo,
      [{ step_id: 'look', description: '@@WRITE sneaky.txt oops' }],
      {},
      {
        read_only: true,
      },
    );
    const { run, tasks, why } = await waitRun(id);
    expect(run.status, why).toBe('failed');
    const t = tasks[0]!;
    expect(t).toMatchObject({ status: 'failed', failure_category: 'permission' });
    expect(t.message).toContain('sneaky.txt');
    expect(t.worktree.committed).toBe(false);
    expect(git(repo, 'rev-parse', 'main')).toBe(before);
    // The evidence is pinned, not committed to any branch.
    expect(git(repo, 'show', `${t.worktree.pinned_ref}:sneaky.txt`)).toBe('oops');
    expect(
      git(repo, 'branch', '--list', `multyagents/run-${id}/*`, '--contains', t.worktree.pinned_ref),
    ).toBe('');
  });
});
