import { describe, expect, it } from 'vitest';
import type { DrillEvidenceSummary, TaskDiff } from '@multyagents/contracts';
import {
  colourPatch,
  colourWanted,
  countsTable,
  diffStat,
  diffText,
  drillReportText,
  drillsTable,
  pageFooter,
  pageInfo,
  shellWord,
  type PageInfo,
  stuckTable,
  tasksTable,
  truncatedNote,
} from '../../src/cli/cockpitViews.js';
import { runsQuery } from '../../src/cli/commands/runs.js';
import { tasksQuery } from '../../src/cli/commands/tasks.js';
import { CliError } from '../../src/cli/errors.js';
import type { TaskView } from '../../src/cli/runApi.js';

const name = (id: number) => (id === 1 ? 'runner-1' : `runner#${id}`);

function task(over: Partial<TaskView>): TaskView {
  return {
    id: 7,
    status: 'running',
    attempt: 1,
    runner_id: 1,
    step_id: 'build',
    title: 'Build',
    run_id: 3,
    ...over,
  };
}

const FROM = 'a'.repeat(40);
const TO = 'b'.repeat(40);
function diff(over: Partial<TaskDiff> = {}): TaskDiff {
  return {
    task_id: 7,
    attempt: 2,
    repo_root: '/tmp/repo',
    from_sha: FROM,
    to_sha: TO,
    files: [
      { path: 'README.md', insertions: 1, deletions: 1 },
      { path: 'src/greet.ts', insertions: 3, deletions: 0 },
    ],
    patch:
      'diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-hello\n+hello, edited\n context',
    truncated: false,
    patch_bytes: 90,
    ...over,
  };
}

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).code).toBe('USAGE');
    expect((err as CliError).exitCode).toBe(2);
    return (err as CliError).message;
  }
  throw new Error('no usage error');
}

describe('page headers and the footer', () => {
  const info = (over: Partial<PageInfo>): PageInfo => ({
    total: null,
    nextBeforeId: null,
    offset: null,
    prevBeforeId: null,
    ...over,
  });

  it('reads x-total-count and x-next-before-id; says how many match and the next cursor', () => {
    const p = pageInfo({ 'x-total-count': '12', 'x-next-before-id': '40', 'x-page-offset': '0' });
    expect(p).toEqual({ total: 12, nextBeforeId: 40, offset: 0, prevBeforeId: null });
    expect(pageFooter('run', p, 3)).toBe('12 runs match; showing 1-3; older: --before-id 40\n');
    expect(pageFooter('task', info({ total: 1, offset: 0 }), 1)).toBe('1 task matches\n');
    expect(pageFooter('run', info({ total: 0, offset: 0 }), 0)).toBe('0 runs match\n');
  });

  it('past the first page: the position, the newer cursor (or the first page), the older one', () => {
    const p = pageInfo({
      'x-total-count': '10000',
      'x-next-before-id': '9850',
      'x-page-offset': '100',
      'x-prev-before-id': '9950',
    });
    expect(p).toEqual({ total: 10000, nextBeforeId: 9850, offset: 100, prevBeforeId: 9950 });
    expect(pageFooter('run', p, 50)).toBe(
      '10000 runs match; showing 101-150; newer: --before-id 9950; older: --before-id 9850\n',
    );
    // The second page: its newer page is the first one, asked without --before-id.
    expect(pageFooter('task', info({ total: 60, offset: 50, nextBeforeId: null }), 10)).toBe(
      '60 tasks match; showing 51-60; newer: the first page\n',
    );
    // A page of one row: its number alone.
    expect(pageFooter('run', info({ total: 5, offset: 2, prevBeforeId: 9, nextBeforeId: 7 }), 1)).toBe(
      '5 runs match; showing 3; newer: --before-id 9; older: --before-id 7\n',
    );
    // An empty page past the end still says where newer rows are.
    expect(pageFooter('task', info({ total: 3, offset: 3 }), 0)).toBe(
      '3 tasks match; newer: the first page\n',
    );
  });

  it('an API without the headers (or with a garbled one): no footer, no cursor, no position', () => {
    expect(pageInfo({})).toEqual(info({}));
    expect(
      pageInfo({ 'x-total-count': ['5', '6'], 'x-next-before-id': 'x1', 'x-page-offset': '-1' }),
    ).toEqual(info({ total: 5 }));
    expect(pageFooter('run', info({ nextBeforeId: 4, offset: 3 }), 2)).toBe('');
    // A total without an offset (an API before x-page-offset): the footer as it was.
    expect(pageFooter('run', info({ total: 12, nextBeforeId: 40 }), 3)).toBe(
      '12 runs match; older: --before-id 40\n',
    );
  });
});

describe('list queries', () => {
  it('runs: filters and the cursor become the API query; bad values are usage errors', () => {
    expect(runsQuery({}).toString()).toBe('limit=20');
    expect(
      runsQuery({
        status: 'failed',
        template: '4',
        initiatedBy: 'ann b',
        beforeId: '90',
        limit: '2',
      }).toString(),
    ).toBe('limit=2&status=failed&workflow_template_id=4&initiated_by=ann+b&before_id=90');
    expect(usage(() => runsQuery({ status: 'done' }))).toMatch(/--status must be one of created, running/);
    expect(usage(() => runsQuery({ template: '0' }))).toBe('--template must be a positive integer, got "0"');
    expect(usage(() => runsQuery({ beforeId: 'abc' }))).toMatch(/--before-id must be a positive integer/);
    expect(usage(() => runsQuery({ initiatedBy: ' ' }))).toMatch(/--initiated-by/);
    expect(usage(() => runsQuery({ limit: '0' }))).toMatch(/--limit must be an integer between 1 and 10000/);
  });

  it("tasks: --run alone is the run's tasks in id order; a limit, cursor or other filter pages newest first", () => {
    expect(tasksQuery({ run: '3' }).toString()).toBe('run_id=3');
    expect(tasksQuery({ run: '3', status: 'failed' }).toString()).toBe('run_id=3&status=failed');
    // --run with --limit: the largest safe id as the cursor asks the API for its paged form.
    expect(tasksQuery({ run: '3', limit: '2' }).toString()).toBe(
      `run_id=3&limit=2&before_id=${Number.MAX_SAFE_INTEGER}`,
    );
    expect(tasksQuery({ run: '3', beforeId: '10' }).toString()).toBe('run_id=3&limit=20&before_id=10');
    expect(tasksQuery({ run: '3', step: 'build' }).toString()).toBe('run_id=3&step_id=build&limit=20');
    expect(tasksQuery({}).toString()).toBe('limit=20');
    expect(tasksQuery({ runner: '2', status: 'running', limit: '5' }).toString()).toBe(
      'status=running&runner_id=2&limit=5',
    );
    expect(usage(() => tasksQuery({ status: 'stuck' }))).toMatch(/--status must be one of created, /);
    expect(usage(() => tasksQuery({ run: 'x' }))).toBe('--run must be a positive integer, got "x"');
    expect(usage(() => tasksQuery({ runner: '-1' }))).toMatch(/--runner must be a positive integer/);
    expect(usage(() => tasksQuery({ step: '' }))).toMatch(/--step must be a step id/);
  });
});

describe('tables', () => {
  it('runs counts: each status in the order the API gave, then the total', () => {
    expect(countsTable({ total: 5, by_status: { created: 0, running: 2, failed: 3 } as never })).toBe(
      'STATUS   RUNS\ncreated  0\nrunning  2\nfailed   3\ntotal 5\n',
    );
  });

  it('tasks list: id, status, run, step, attempt, runner name, title', () => {
    expect(
      tasksTable(
        [
          task({}),
          task({ id: 8, status: 'created', attempt: 0, runner_id: null, step_id: null, run_id: null }),
        ],
        name,
      ),
    ).toBe(
      [
        'ID  STATUS   RUN  STEP   ATTEMPT  RUNNER    TITLE',
        '7   running  3    build  1        runner-1  Build',
        '8   created  -    -      -        -         Build',
        '',
      ].join('\n'),
    );
    expect(tasksTable([], name)).toBe('no tasks\n');
  });

  it('tasks stuck: reason, age, task, run, step, status, detail; the empty answer names the threshold', () => {
    const out = stuckTable(
      [
        {
          task: task({}),
          reason: 'no-progress',
          since: '2026-01-01T00:00:00.000Z',
          age_ms: 125_000,
          detail: 'running on runner runner-1 (online) (attempt 1); last output never, last report never',
        },
      ],
      60,
    );
    expect(out).toBe(
      [
        'REASON       AGE    TASK  RUN  STEP   STATUS   DETAIL',
        'no-progress  2m05s  7     3    build  running  running on runner runner-1 (online) (attempt 1); last output never, last report never',
        '',
      ].join('\n'),
    );
    expect(stuckTable([], 60)).toBe('no stuck tasks (waiting 60s or longer)\n');
    expect(stuckTable([], null)).toBe('no stuck tasks\n');
  });
});

describe('tasks diff', () => {
  it('colours added lines green, removed red, hunks cyan, file heads bold — only when asked', () => {
    const p = diff().patch;
    expect(colourPatch(p, false)).toBe(p);
    const lines = colourPatch(p, true).split('\n');
    expect(lines[0]).toBe('\x1b[1mdiff --git a/README.md b/README.md\x1b[0m');
    expect(lines[1]).toBe('\x1b[1m--- a/README.md\x1b[0m');
    expect(lines[2]).toBe('\x1b[1m+++ b/README.md\x1b[0m');
    expect(lines[3]).toBe('\x1b[36m@@ -1 +1 @@\x1b[0m');
    expect(lines[4]).toBe('\x1b[31m-hello\x1b[0m');
    expect(lines[5]).toBe('\x1b[32m+hello, edited\x1b[0m');
    expect(lines[6]).toBe(' context');
  });

  it('colour only on a terminal without NO_COLOR', () => {
    expect(colourWanted(true, {})).toBe(true);
    expect(colourWanted(true, { NO_COLOR: '1' })).toBe(false);
    expect(colourWanted(false, {})).toBe(false);
    expect(colourWanted(undefined, {})).toBe(false);
  });

  it('the patch ends in a newline; a cut one ends with the note and the git command', () => {
    expect(diffText(diff(), false)).toBe(`${diff().patch}\n`);
    const cut = diffText(diff({ truncated: true, patch_bytes: 524_000, repo_root: "/tmp/my repo's" }), false);
    expect(cut.split('\n').at(-2)).toBe(
      `patch truncated at 524000 bytes; the whole diff: git -C '/tmp/my repo'\\''s' diff ${FROM}..${TO}`,
    );
    expect(truncatedNote(diff({ truncated: true }))).toContain(`git -C /tmp/repo diff ${FROM}..${TO}`);
    expect(shellWord('/a/b-c_d.e')).toBe('/a/b-c_d.e');
  });

  it('--stat: the range, one line per file (binary marked), the totals', () => {
    const out = diffStat(
      diff({ files: [...diff().files, { path: 'logo.png', insertions: -1, deletions: -1 }] }),
    );
    expect(out).toBe(
      [
        `task 7 attempt 2: ${'a'.repeat(12)}..${'b'.repeat(12)}`,
        'ADDED   REMOVED  FILE',
        '+1      −1       README.md',
        '+3      −0       src/greet.ts',
        'binary           logo.png',
        '3 files changed, +4 −1',
        '',
      ].join('\n'),
    );
    expect(
      diffStat(diff({ files: [] }))
        .split('\n')
        .slice(1),
    ).toEqual(['0 files changed, +0 −0', '']);
  });
});

describe('drills', () => {
  const summary: DrillEvidenceSummary = {
    id: '2026-05-01_12-30-00-seed7',
    started_at: '2026-05-01T12:30:00.000Z',
    seed: 7,
    total: 3,
    passed: 1,
    failed: 1,
    inconclusive: 1,
    verdict: 'FAIL',
    drills: [
      {
        id: 'kill-api',
        status: 'success',
        name: null,
        checks: 2,
        failed_checks: [],
        wall_ms: 10,
        error: null,
      },
      {
        id: 'kill-runner',
        status: 'failed',
        name: null,
        checks: 2,
        failed_checks: ['x'],
        wall_ms: 10,
        error: null,
      },
      {
        id: 'partition',
        status: 'inconclusive',
        name: null,
        checks: 1,
        failed_checks: ['y'],
        wall_ms: 1,
        error: null,
      },
    ],
  };

  it('list: verdict, passed/total, seed, start, the drills that did not pass (or the read error)', () => {
    const out = drillsTable([
      summary,
      { ...summary, id: 'broken', drills: [], error: 'no report.json', seed: null },
    ]);
    expect(out.split('\n')[1]).toMatch(
      /^2026-05-01_12-30-00-seed7 +FAIL +1\/3 +1 +1 +7 +2026-05-01T12:30:00.000Z +kill-runner, partition$/,
    );
    expect(out.split('\n')[2]).toMatch(/^broken +FAIL .* - +2026-05-01T12:30:00.000Z +no report.json$/);
    expect(drillsTable([])).toBe('no chaos evidence (run `multyagents chaos`)\n');
  });

  it('show: the verdict, each drill with its checks, the checks that did not hold and errors', () => {
    const report = {
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
          checks: [
            { name: 'attempt fenced', valid: false, detail: 'two writers' },
            { name: 'fault fired', valid: false, detail: 'no pid', inconclusive: true },
          ],
          timings: { wall_ms: 900 },
          error: 'boom',
        },
      ],
    };
    expect(drillReportText('e1', report)).toBe(
      [
        'evidence e1  FAIL  seed 7  1/2 passed',
        '  kill-api  success  1/1 checks  1.5s  SIGKILL the API',
        '  kill-runner  failed  0/2 checks  0.9s  SIGKILL a runner',
        '      failed: attempt fenced — two writers',
        '      inconclusive: fault fired — no pid',
        '      error: boom',
        '',
      ].join('\n'),
    );
    expect(drillReportText('e2', { summary: { overall_status: 'success' } })).toBe(
      'evidence e2  PASS  seed -  ?/0 passed\n',
    );
  });
});
