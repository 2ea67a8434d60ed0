import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/cli/ports.js';
import {
  assertBuilt,
  cli,
  killLeftovers,
  processesMentioning,
  tempDir,
  type CliResult,
} from './cli-harness.js';

/**
 * A scripted agent (the `command` executor): writes the `@@WRITE <path> <content>` lines of its prompt;
 * `@@HANG` waits without a word of output until it is canceled.
 */
const AGENT = `
const fs = require('fs'), path = require('path');
const prompt = process.env.MULTYAGENTS_PROMPT || '';
if (/^@@HANG$/m.test(prompt)) setInterval(() => {}, 1 << 30);
else {
  const wrote = [];
  for (const m of prompt.matchAll(/^@@WRITE (\\S+) (.*)$/gm)) {
    fs.mkdirSync(path.dirname(m[1]), { recursive: true });
    fs.writeFileSync(m[1], m[2] + '\\n');
    wrote.push(m[1]);
  }
  fs.writeFileSync(process.env.MULTYAGENTS_RESULT_FILE, JSON.stringify({
    summary: 'wrote ' + (wrote.join(', ') || 'nothing'), next_actions: [], open_questions: [], artifacts: [],
  }));
}
`;

const GIT_ENV = {
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.invalid',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.invalid',
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } }).trim();

interface Run {
  id: number;
  status: string;
  task_ids: number[];
}

/**
 * The cockpit's read verbs against a real stack (`up --executor command` with an operator token, the
 * scripted agent above), each a real `multyagents` child process: `runs list` paging and filters,
 * `runs counts`, `tasks list`, `tasks stuck`, `tasks diff` of an isolated-worktree run, `drills`.
 */
describe('cockpit CLI verbs', () => {
  const TOKEN = 'cli-cockpit-operator-token-0123456789';
  let dir: string;
  let apiUrl: string;
  let repo: string;
  const env = {
    MULTYAGENTS_OPERATOR_TOKEN: TOKEN,
    MULTYAGENTS_COMMAND_ARGV: JSON.stringify([process.execPath, '-e', AGENT]),
    MULTYAGENTS_COMMAND_PROMPT_VIA: 'env',
  };
  const ma = (args: string[]) => cli([...args, '--data-dir', dir], { env });
  const ids: Record<string, number> = {};

  async function api<T>(method: 'GET' | 'POST', p: string, body?: unknown): Promise<T> {
    const res = await request(`${apiUrl}${p}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const out = (await res.body.json()) as T;
    expect(res.statusCode, `${method} ${p}: ${JSON.stringify(out)}`).toBe(200);
    return out;
  }

  /** Bounded wait for a condition read from the API. */
  async function until(what: string, fn: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 600; i++) {
      if (await fn()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  const start = (tpl: number, by: string) =>
    api<Run>('POST', '/workflow-runs', { workflow_template_id: tpl, initiated_by: by });
  const ended = (id: number) =>
    until(
      `run ${id} success`,
      async () => (await api<Run>('GET', `/workflow-runs/${id}`)).status === 'success',
    );

  function expectError(r: CliResult, cmd: string, code: string, exit: number): void {
    expect(r.code, r.stdout + r.stderr).toBe(exit);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^multyagents ${cmd}: ${code}: `));
  }

  /** The data rows of a table (its header and the `N … match` footer left out), split into cells. */
  const rows = (out: string) =>
    out
      .trimEnd()
      .split('\n')
      .slice(1)
      .filter((l) => !/ match(es)?(;|$)/.test(l))
      .map((l) => l.split(/ {2,}/));

  beforeAll(async () => {
    assertBuilt();
    dir = tempDir('ma-cli-cockpit-');
    const [apiPort, runnerPort] = [await freePort(), await freePort()];
    apiUrl = `http://127.0.0.1:${apiPort}`;
    const up = await ma([
      'up',
      '--api-port',
      String(apiPort),
      '--runner-port',
      String(runnerPort),
      '--executor',
      'command',
    ]);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    repo = path.join(dir, 'repo');
    fs.mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(repo, 'README.md'), 'hello\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'initial');
    const project = await api<{ id: number }>('POST', '/projects', { name: 'cockpit', root_path: repo });
    const role = await api<{ id: number }>('POST', '/roles', { name: 'worker' });
    const step = (step_id: string, extra: Record<string, unknown> = {}) => ({
      step_id,
      title: step_id,
      role_id: role.id,
      timeout_seconds: 120,
      description: 'nothing to write',
      ...extra,
    });
    const tpl = async (name: string, body: Record<string, unknown>) =>
      (await api<{ id: number }>('POST', '/workflow-templates', { name, ...body })).id;
    ids.plain = await tpl('plain', { steps: [step('note'), step('check', { depends_on: ['note'] })] });
    ids.edit = await tpl('edit-repo', {
      project_id: project.id,
      execution_mode: 'isolated-worktree',
      steps: [
        step('edit', {
          description:
            "@@WRITE src/greet.ts export const hi = 'hello from the agent';\n@@WRITE README.md hello, edited",
        }),
      ],
    });
    ids.stuck = await tpl('stuck', {
      steps: [step('hang', { description: '@@HANG' }), step('gate', { requires_approval: true })],
    });
  }, 120_000);

  afterAll(async () => {
    await cli(['down', '--kill', '--data-dir', dir]);
    killLeftovers(dir);
    expect(processesMentioning(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs list pages with --limit and --before-id, filters by template and initiator; runs counts', async () => {
    const runs: Run[] = [];
    for (const by of ['ann', 'ann', 'bob', 'ann']) runs.push(await start(ids.plain!, by));
    for (const r of runs) await ended(r.id);
    const newest = runs.map((r) => r.id).reverse();

    const first = await ma(['runs', 'list', '--template', String(ids.plain), '--limit', '2']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(rows(first.stdout).map((r) => Number(r[0]))).toEqual(newest.slice(0, 2));
    expect(rows(first.stdout)[0]).toEqual([
      String(newest[0]),
      'success',
      '2',
      expect.any(String),
      String(ids.plain),
      expect.any(String),
      'ann',
    ]);
    expect(first.stdout.trimEnd().split('\n').at(-1)).toBe(
      `4 runs match; showing 1-2; older: --before-id ${newest[1]}`,
    );
    const second = await ma([
      'runs',
      'list',
      '--template',
      String(ids.plain),
      '--limit',
      '2',
      '--before-id',
      String(newest[1]),
    ]);
    expect(rows(second.stdout).map((r) => Number(r[0]))).toEqual(newest.slice(2));
    expect(second.stdout.trimEnd().split('\n').at(-1)).toBe(
      '4 runs match; showing 3-4; newer: the first page',
    );

    const ann = await ma(['runs', 'list', '--initiated-by', 'ann', '--template', String(ids.plain)]);
    expect(rows(ann.stdout).map((r) => Number(r[0]))).toEqual(newest.filter((id) => id !== runs[2]!.id));
    expect(ann.stdout.trimEnd().split('\n').at(-1)).toBe('3 runs match');
    // --json stays the v1 array (no total, no cursor in it).
    const json = await ma(['runs', 'list', '--initiated-by', 'bob', '--json']);
    expect((JSON.parse(json.stdout) as Run[]).map((r) => r.id)).toEqual([runs[2]!.id]);
    const none = await ma(['runs', 'list', '--initiated-by', 'nobody']);
    expect(none.stdout).toBe('no runs\n0 runs match\n');

    const counts = await ma(['runs', 'counts']);
    expect(counts.code).toBe(0);
    expect(counts.stdout).toMatch(
      /^STATUS +RUNS\ncreated +0\nrunning +0\npaused +0\naborted +0\nsuccess +4\nfailed +0\ntotal 4\n$/,
    );
    expect(JSON.parse((await ma(['runs', 'counts', '--json'])).stdout)).toEqual({
      total: 4,
      by_status: { created: 0, running: 0, paused: 0, aborted: 0, success: 4, failed: 0 },
    });

    expectError(await ma(['runs', 'list', '--before-id', 'x']), 'runs list', 'USAGE', 2);
    expectError(await ma(['runs', 'list', '--template', '-3']), 'runs list', 'USAGE', 2);
  });

  it('tasks list pages like runs list; --run alone lists the run in id order; filters by step, status, runner', async () => {
    const plain = await api<Run[]>('GET', `/workflow-runs?workflow_template_id=${ids.plain}`);
    const notes = plain.map((r) => r.task_ids[0]!).sort((a, b) => b - a);
    const p1 = await ma(['tasks', 'list', '--step', 'note', '--limit', '3']);
    expect(p1.code).toBe(0);
    expect(rows(p1.stdout).map((r) => Number(r[0]))).toEqual(notes.slice(0, 3));
    expect(p1.stdout.trimEnd().split('\n').at(-1)).toBe(
      `4 tasks match; showing 1-3; older: --before-id ${notes[2]}`,
    );
    const p2 = await ma(['tasks', 'list', '--step', 'note', '--limit', '3', '--before-id', String(notes[2])]);
    expect(rows(p2.stdout).map((r) => Number(r[0]))).toEqual(notes.slice(3));
    expect(p2.stdout.trimEnd().split('\n').at(-1)).toBe('4 tasks match; showing 4; newer: the first page');

    const run = plain[0]!;
    const whole = await ma(['tasks', 'list', '--run', String(run.id)]);
    expect(rows(whole.stdout)).toEqual([
      [String(run.task_ids[0]), 'success', String(run.id), 'note', '1', 'runner-1', 'note'],
      [String(run.task_ids[1]), 'success', String(run.id), 'check', '1', 'runner-1', 'check'],
    ]);
    expect(whole.stdout.trimEnd().split('\n').at(-1)).toBe('2 tasks match');
    const newestOfRun = await ma(['tasks', 'list', '--run', String(run.id), '--limit', '1']);
    expect(rows(newestOfRun.stdout).map((r) => Number(r[0]))).toEqual([run.task_ids[1]]);
    expect(newestOfRun.stdout.trimEnd().split('\n').at(-1)).toBe(
      `2 tasks match; showing 1; older: --before-id ${run.task_ids[1]}`,
    );

    const runners = await api<Array<{ id: number }>>('GET', '/runners');
    const byRunner = JSON.parse(
      (
        await ma([
          'tasks',
          'list',
          '--runner',
          String(runners[0]!.id),
          '--status',
          'success',
          '--limit',
          '100',
          '--json',
        ])
      ).stdout,
    ) as Array<{ id: number; status: string }>;
    expect(byRunner.map((t) => t.id)).toEqual(plain.flatMap((r) => r.task_ids).sort((a, b) => b - a));

    expectError(await ma(['tasks', 'list', '--status', 'stuck']), 'tasks list', 'USAGE', 2);
    expectError(await ma(['tasks', 'list', '--run', '999999']), 'tasks list', 'WORKFLOW_RUN_NOT_FOUND', 4);
  });

  it('tasks diff prints the patch of an isolated-worktree step, --stat its files; unavailable diffs are one line, exit 4', async () => {
    const run = await start(ids.edit!, 'ann');
    await ended(run.id);
    const [edit, merge] = run.task_ids as [number, number];
    const patch = await ma(['tasks', 'diff', String(edit)]);
    expect(patch.stderr).toBe('');
    expect(patch.code).toBe(0);
    expect(patch.stdout).toMatch(/^diff --git a\/README.md b\/README.md\n/m);
    expect(patch.stdout).toMatch(/^-hello\n\+hello, edited\n/m);
    expect(patch.stdout).toContain("+export const hi = 'hello from the agent';\n");
    // Not a terminal (and NO_COLOR set): no escape codes.
    expect(patch.stdout).not.toContain('\x1b[');
    expect(patch.stdout).not.toContain('truncated');

    const stat = await ma(['tasks', 'diff', String(edit), '--stat']);
    expect(stat.code).toBe(0);
    const lines = stat.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^task ${edit} attempt 1: [0-9a-f]{12}\\.\\.[0-9a-f]{12}$`));
    expect(lines.slice(1)).toEqual([
      'ADDED  REMOVED  FILE',
      '+1     −1       README.md',
      '+1     −0       src/greet.ts',
      '2 files changed, +2 −1',
    ]);
    const json = JSON.parse((await ma(['tasks', 'diff', String(merge), '--json'])).stdout) as {
      task_id: number;
      files: Array<{ path: string }>;
      truncated: boolean;
    };
    expect(json).toMatchObject({ task_id: merge, truncated: false });
    expect(json.files.map((f) => f.path).sort()).toEqual(['README.md', 'src/greet.ts']);

    expectError(
      await ma(['tasks', 'diff', String(edit), '--attempt', '2']),
      'tasks diff',
      'DIFF_UNAVAILABLE',
      4,
    );
    const plain = (await api<Run[]>('GET', `/workflow-runs?workflow_template_id=${ids.plain}&limit=1`))[0]!;
    expectError(await ma(['tasks', 'diff', String(plain.task_ids[0])]), 'tasks diff', 'DIFF_UNAVAILABLE', 4);
    expectError(await ma(['tasks', 'diff', '999999']), 'tasks diff', 'TASK_NOT_FOUND', 4);
    expectError(await ma(['tasks', 'diff', String(edit), '--attempt', '0']), 'tasks diff', 'USAGE', 2);
    // The project's repository moved away: the commits cannot be read.
    fs.renameSync(repo, `${repo}-moved`);
    try {
      expectError(await ma(['tasks', 'diff', String(edit), '--stat']), 'tasks diff', 'REPO_UNAVAILABLE', 4);
    } finally {
      fs.renameSync(`${repo}-moved`, repo);
    }
  });

  it('tasks stuck lists a silent running task (not the one waiting for its approval), exit 0 either way', async () => {
    const run = await start(ids.stuck!, 'ann');
    const [hang, gate] = run.task_ids as [number, number];
    expect((await ma(['tasks', 'stuck'])).stdout).toBe('no stuck tasks\n');
    // The API's own read decides when the silent task has waited a second; the verb is run after.
    await until('the hanging task listed', async () =>
      (await api<Array<{ task: { id: number } }>>('GET', '/tasks/stuck?older_than_s=1')).some(
        (s) => s.task.id === hang,
      ),
    );
    const out = await ma(['tasks', 'stuck', '--older-than', '1']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout.split('\n')[0]).toMatch(/^REASON +AGE +TASK +RUN +STEP +STATUS +DETAIL$/);
    expect(out.stdout).toMatch(
      new RegExp(
        `^no-progress +\\d+\\.\\ds +${hang} +${run.id} +hang +running +running on runner runner-1 \\(online\\) \\(attempt 1\\); last output `,
        'm',
      ),
    );
    const listed = JSON.parse((await ma(['tasks', 'stuck', '--older-than', '1', '--json'])).stdout) as Array<{
      task: { id: number };
      reason: string;
    }>;
    expect(listed.filter((s) => s.task.id === hang).map((s) => s.reason)).toEqual(['no-progress']);
    expect(listed.map((s) => s.task.id)).not.toContain(gate);
    expectError(await ma(['tasks', 'stuck', '--older-than', '0']), 'tasks stuck', 'USAGE', 2);
    expect((await ma(['runs', 'abort', String(run.id)])).code).toBe(0);
  });

  it('drills list and show read the chaos evidence in the data dir', async () => {
    const chaos = path.join(dir, 'chaos');
    const good = path.join(chaos, '2026-05-01_12-30-00-seed7');
    fs.mkdirSync(good, { recursive: true });
    fs.mkdirSync(path.join(chaos, 'unfinished-seed1'));
    fs.writeFileSync(
      path.join(good, 'report.json'),
      JSON.stringify({
        config: { seed: 7 },
        summary: { overall_status: 'failed', total: 2, passed: 1, failed: 1, inconclusive: 0 },
        scenarios: [
          {
            scenario: 'kill-api',
            name: 'SIGKILL the API',
            status: 'success',
            checks: [{ name: 'no lost run', valid: true, detail: 'ok' }],
            timings: { wall_ms: 1500 },
            error: null,
          },
          {
            scenario: 'kill-runner',
            name: 'SIGKILL a runner',
            status: 'failed',
            checks: [{ name: 'attempt fenced', valid: false, detail: 'two writers' }],
            timings: { wall_ms: 900 },
            error: null,
          },
        ],
      }),
    );
    const list = await ma(['drills', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(
      /^2026-05-01_12-30-00-seed7 +FAIL +1\/2 +1 +0 +7 +2026-05-01T12:30:00.000Z +kill-runner$/m,
    );
    expect(list.stdout).toMatch(/^unfinished-seed1 +FAIL +0\/0 .* no report\.json/m);
    const show = await ma(['drills', 'show', '2026-05-01_12-30-00-seed7']);
    expect(show.code).toBe(0);
    expect(show.stdout).toBe(
      [
        'evidence 2026-05-01_12-30-00-seed7  FAIL  seed 7  1/2 passed',
        '  kill-api  success  1/1 checks  1.5s  SIGKILL the API',
        '  kill-runner  failed  0/1 checks  0.9s  SIGKILL a runner',
        '      failed: attempt fenced — two writers',
        '',
      ].join('\n'),
    );
    expectError(
      await ma(['drills', 'show', 'unfinished-seed1']),
      'drills show',
      'DRILL_EVIDENCE_NOT_FOUND',
      4,
    );
    expectError(await ma(['drills', 'show', '../etc']), 'drills show', 'USAGE', 2);
  });
});
