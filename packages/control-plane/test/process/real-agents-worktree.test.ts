import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RESULT_FILE_IN_PROMPT } from '../../src/executors/resultSection.js';
import { probeBwrap } from '../../src/executors/sandbox.js';
import { http, pidsMatching, waitFor } from '../helpers/procs.js';
import { realAgentSuite, type Stack } from '../helpers/realAgents.js';

/**
 * isolated-worktree with the REAL pinned codex and claude against the scripted model server: each
 * agent edits files in its own worktree (outside the repository, inside bubblewrap where the runner
 * has it), its handoff reaches the next step, the runner commits each step on its branch, and the run's
 * merge task lands the result on `main`. Judged from git and from what the model server received.
 */
const suite = realAgentSuite('agents-worktree');
// The runner sandboxes agents only where bubblewrap works (.ci/run installs it).
const bwrap = await probeBwrap();
const WORKTREE = { execution_mode: 'isolated-worktree' };
const ENV = {
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@x.invalid',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@x.invalid',
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...ENV } }).trim();
const why = (tasks: Array<Record<string, any>>) => JSON.stringify(tasks, null, 1).slice(0, 8000);

function firstCommit(repo: string): string {
  git(repo, 'symbolic-ref', 'HEAD', 'refs/heads/main');
  fs.writeFileSync(path.join(repo, 'README.md'), '# project\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'initial');
  return git(repo, 'rev-parse', 'HEAD');
}

const handoff = (summary: string) =>
  JSON.stringify({ summary, next_actions: [], open_questions: [], artifacts: [] });

describe.each(['claude', 'codex'] as const)('%s in isolated-worktree mode', (kind) => {
  let s: Stack;
  let base: string;
  beforeAll(async () => {
    s = await suite.stack(kind);
    base = firstCommit(s.repo);
  }, 60_000);

  it('plan → build → review: real edits in worktrees, handoffs flow, the run lands on main', async () => {
    const m = (step: string) => `MARK-${kind}-wt-${step}`;
    suite.sim.script(m('plan'), {
      turns: [
        { write: { path: 'PLAN.md', content: '# Plan\nadd greet.js\n' } },
        { write: { pathInPrompt: RESULT_FILE_IN_PROMPT, content: handoff(`PLAN-${kind}: add greet.js`) } },
        { say: 'planned' },
      ],
    });
    suite.sim.script(m('build'), {
      turns: [
        { write: { path: 'greet.js', content: 'export const greet = () => "hi";\n' } },
        { say: 'built greet.js' },
      ],
    });
    suite.sim.script(m('review'), {
      turns: [{ write: { path: 'REVIEW.md', content: 'approved\n' } }, { say: 'reviewed: approved' }],
    });
    const { run, tasks } = await suite.runWorkflow(
      s,
      {},
      [
        { step_id: 'plan', title: 'Plan', description: m('plan') },
        { step_id: 'build', title: 'Build', description: m('build'), depends_on: ['plan'] },
        { step_id: 'review', title: 'Review', description: m('review'), depends_on: ['build'] },
      ],
      WORKTREE,
    );
    expect(run.status, why(tasks)).toBe('success');
    const [plan, build, review] = tasks;
    // Each agent ran in its own worktree outside the repository, started from its upstream's commit.
    const cwd = (step: string) => suite.sim.requests(m(step))[0]!.cwd;
    for (const t of [plan!, build!, review!]) {
      expect(cwd(t.step_id)).toBe(t.worktree.path);
      expect(t.worktree.path.startsWith(path.join(s.runnerDir, 'worktrees') + '/')).toBe(true);
      expect(t.worktree.committed, why(tasks)).toBe(true);
    }
    expect(plan!.worktree.start_sha).toBe(base);
    expect(build!.worktree.start_sha).toBe(plan!.worktree.head_sha);
    expect(review!.worktree.start_sha).toBe(build!.worktree.head_sha);
    // The plan's handoff reached the build prompt; the build commit holds the build's own edit only.
    expect(suite.sim.requests(m('build'))[0]!.prompt).toContain(`PLAN-${kind}: add greet.js`);
    expect(git(s.repo, 'show', '--name-only', '--format=', build!.worktree.head_sha)).toBe('greet.js');
    expect(git(s.repo, 'show', '-s', '--format=%s', build!.worktree.head_sha)).toBe('built greet.js');
    // main fast-forwarded to the review commit; the checkout has the files.
    expect(git(s.repo, 'rev-parse', 'main')).toBe(review!.worktree.head_sha);
    expect(git(s.repo, 'log', '--format=%s', `${base}..main`).split('\n')).toEqual([
      'reviewed: approved',
      'built greet.js',
      `PLAN-${kind}: add greet.js`,
    ]);
    for (const f of ['PLAN.md', 'greet.js', 'REVIEW.md'])
      expect(fs.existsSync(path.join(s.repo, f))).toBe(true);
    expect(git(s.repo, 'status', '--porcelain')).toBe('');
  });
  it('two parallel builders edit the same file: the merge fails workspace-git naming it; main stays', async () => {
    const before = git(s.repo, 'rev-parse', 'main');
    const m = (step: string) => `MARK-${kind}-wt-clash-${step}`;
    for (const side of ['left', 'right'])
      suite.sim.script(m(side), {
        turns: [{ write: { path: 'CLASH.md', content: `${side} wins\n` } }, { say: `${side} done` }],
      });
    const { run, tasks } = await suite.runWorkflow(
      s,
      {},
      [
        { step_id: 'left', title: 'Left', description: m('left') },
        { step_id: 'right', title: 'Right', description: m('right') },
      ],
      WORKTREE,
    );
    expect(run.status, why(tasks)).toBe('failed');
    const merge = tasks.find((t) => t.kind === 'merge')!;
    expect(merge).toMatchObject({ status: 'failed', failure_category: 'workspace-git' });
    expect(merge.worktree.conflicts).toEqual(['CLASH.md']);
    expect(merge.failure_triage_hints.join('\n')).toContain('CLASH.md');
    for (const t of tasks.filter((x) => x.kind === 'step')) expect(t.status).toBe('success');
    expect(git(s.repo, 'rev-parse', 'main')).toBe(before);
  });
});

describe('claude, sandboxed and crashed', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await suite.stack('claude', 'claude-sandboxed');
    firstCommit(s.repo);
  }, 60_000);

  it.skipIf(!bwrap.ok)(
    `a sandboxed agent cannot read outside its worktree (bwrap: ${bwrap.message})`,
    async () => {
      const secret = path.join(path.dirname(s.repo), 'secret.txt');
      fs.writeFileSync(secret, 'TOP-SECRET-42\n');
      const marker = 'MARK-claude-sandbox';
      suite.sim.script(marker, { turns: [{ run: `cat ${secret}; ls ${s.repo}` }, { say: 'looked' }] });
      const { run, tasks } = await suite.runWorkflow(
        s,
        { allowed_tools: ['Bash', 'Read', 'Write'] },
        [{ step_id: 'peek', title: 'Peek', description: marker }],
        WORKTREE,
      );
      expect(run.status, why(tasks)).toBe('success');
      const out = suite.sim.requests(marker).at(-1)!.toolResults[0]!.output;
      expect(out).not.toContain('TOP-SECRET-42');
      expect(out).toMatch(/No such file or directory/);
    },
  );

  it('kill -9 of the runner mid-step: the retry resumes the session in the same worktree', async () => {
    const RESUMED = 'Continue from where you left off';
    const marker = 'MARK-claude-wt-crash';
    // The resumed request carries the history: the write's result, an "interrupted" result for the
    // command the crash cut off, and whatever claude adds to close the cut turn. A turn is picked by
    // the number of replies in the history, so the write of second.txt stands at every place it can
    // land (a repeat of it changes nothing), then the final answer.
    const second = { write: { path: 'second.txt', content: 'after the crash\n' } };
    suite.sim.script(RESUMED, {
      turns: [{ say: 'unused' }, second, second, second, second],
      final: 'finished after resume',
    });
    suite.sim.script(marker, {
      turns: [
        { write: { path: 'first.txt', content: 'before the crash\n' } },
        { run: `node -e "setTimeout(() => console.log('woke'), 60000)"` },
        { say: 'never' },
      ],
    });
    const id = await suite.startWorkflow(
      s,
      {
        allowed_tools: ['Bash', 'Read', 'Write'],
        execution_constraints: {
          retry_policy: { max_retries: 1, retry_on: ['runner-lost'], backoff_initial_ms: 0, jitter: 0 },
        },
      },
      [{ step_id: 'work', title: 'Work', description: marker, timeout_seconds: 120 } as never],
      { ...WORKTREE, merge: { enabled: true } },
    );
    // The agent wrote first.txt and waits in a 60 s command (claude refuses a bare `sleep`): the model
    // server got the write's result and the command is running.
    await waitFor(
      'the agent to be in its 60 s command',
      async () => suite.sim.requests(marker).length >= 2 && pidsMatching("console.log('woke')").length > 0,
      60_000,
      100,
    );
    await s.crashRunner();
    const { run, tasks } = await suite.waitRun(s, id);
    const task = tasks[0]!;
    const audit = (await http('GET', `${s.base}/tasks/${task.id}/audit`)).body;
    const whyA = JSON.stringify(audit, null, 1).slice(0, 9000);
    expect(run.status, whyA).toBe('success');
    const [a1, a2] = audit.attempts as Array<Record<string, any>>;
    expect(a1, whyA).toMatchObject({ attempt: 1, status: 'failed' });
    expect(a2, whyA).toMatchObject({ attempt: 2, status: 'success', session_id: a1!.session_id });
    expect(task.agent).toMatchObject({
      resumed: true,
      resumed_from: 1,
      final_message: 'finished after resume',
    });
    // Same worktree (attempt 1's came with its `running` report; the crash lost its terminal one):
    // the file written before the crash is in the commit made after it.
    expect(a1!.worktree?.path, whyA).toBeTruthy();
    expect(a2!.worktree.path).toBe(a1!.worktree.path);
    expect(a2!.worktree.start_sha).toBe(a1!.worktree.start_sha);
    const files = git(s.repo, 'show', '--name-only', '--format=', task.worktree.head_sha).split('\n').sort();
    expect(files).toEqual(['first.txt', 'second.txt']);
    expect(fs.readFileSync(path.join(s.repo, 'first.txt'), 'utf8')).toBe('before the crash\n');
  }, 180_000);
});
