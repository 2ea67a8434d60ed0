import type { Command } from 'commander';
import { TASK_STATUSES, type TaskDiff } from '@multyagents/contracts';
import {
  colourWanted,
  diffStat,
  diffText,
  pageFooter,
  pageInfo,
  stuckTable,
  tasksTable,
  type StuckItem,
} from '../cockpitViews.js';
import { action, usageError } from '../errors.js';
import type { JsonClient } from '../http.js';
import {
  operator,
  parseId,
  parseLimit,
  printJson,
  runnerNames,
  withApiOptions,
  type ApiOptions,
} from '../operator.js';
import { taskDetail } from '../operatorViews.js';
import type { TaskView } from '../runApi.js';
import { parseIntArg } from '../validate.js';

const API_EXIT =
  'Exit code 0 when done; 2 on invalid usage; 4 when the API refuses or cannot be reached (its code is shown, e.g. TASK_NOT_FOUND, TASK_NOT_CANCELABLE).';

export interface TasksListOptions extends ApiOptions {
  run?: string;
  status?: string;
  runner?: string;
  step?: string;
  beforeId?: string;
  limit?: string;
}

/**
 * The query of `GET /tasks`. `--run` alone (or with `--status`) is the API's v1 form: the run's tasks
 * in id order, all of them; any of `--runner`, `--step`, `--before-id`, `--limit` makes it a newest-first
 * page. With `--run` and `--limit` but no cursor, the cursor is the largest safe id: the API only pages
 * when a cursor or another filter is given, and every id is below that one.
 */
export function tasksQuery(opts: TasksListOptions): URLSearchParams {
  if (opts.status !== undefined && !(TASK_STATUSES as readonly string[]).includes(opts.status))
    throw usageError(`--status must be one of ${TASK_STATUSES.join(', ')}, got "${opts.status}"`);
  if (opts.step !== undefined && (!opts.step || opts.step.length > 200))
    throw usageError('--step must be a step id of 1 to 200 characters');
  const qs = new URLSearchParams();
  if (opts.run !== undefined) qs.set('run_id', String(parseId('--run', opts.run)));
  if (opts.status) qs.set('status', opts.status);
  if (opts.runner !== undefined) qs.set('runner_id', String(parseId('--runner', opts.runner)));
  if (opts.step !== undefined) qs.set('step_id', opts.step);
  const v1Form = opts.run !== undefined && opts.runner === undefined && opts.step === undefined;
  if (v1Form && opts.beforeId === undefined && opts.limit === undefined) return qs;
  qs.set('limit', String(parseLimit(opts.limit, 20)));
  const before =
    opts.beforeId !== undefined
      ? parseId('--before-id', opts.beforeId)
      : v1Form
        ? Number.MAX_SAFE_INTEGER
        : null;
  if (before !== null) qs.set('before_id', String(before));
  return qs;
}

/** Like `runs list`: `--json` is the bare array the API answers; the text ends with the total and the cursor. */
export async function listTasks(opts: TasksListOptions): Promise<number> {
  const qs = tasksQuery(opts);
  const { api } = operator(opts);
  const { body: tasks, headers } = await api.getWithHeaders<TaskView[]>(`/tasks?${qs}`);
  if (opts.json) printJson(tasks);
  else
    process.stdout.write(
      tasksTable(tasks, await runnerNames(api)) + pageFooter('task', pageInfo(headers), tasks.length),
    );
  return 0;
}

/** Listed or not, exit 0 (as `approvals list`): the list is the answer, not a failure. */
export async function listStuck(opts: ApiOptions & { olderThan?: string; limit?: string }): Promise<number> {
  const olderThan =
    opts.olderThan === undefined ? null : parseIntArg('--older-than', opts.olderThan, 0, 1, 86_400);
  const qs = new URLSearchParams({ limit: String(parseIntArg('--limit', opts.limit, 100, 1, 1000)) });
  if (olderThan !== null) qs.set('older_than_s', String(olderThan));
  const { api } = operator(opts);
  const list = await api.get<StuckItem[]>(`/tasks/stuck?${qs}`);
  if (opts.json) printJson(list);
  else process.stdout.write(stuckTable(list, olderThan));
  return 0;
}

export async function showDiff(
  rawId: string,
  opts: ApiOptions & { attempt?: string; stat?: boolean },
): Promise<number> {
  const id = parseId('task id', rawId);
  const qs = opts.attempt === undefined ? '' : `?attempt=${parseId('--attempt', opts.attempt)}`;
  const { api } = operator(opts);
  const d = await api.get<TaskDiff>(`/tasks/${id}/diff${qs}`);
  if (opts.json) printJson(d);
  else if (opts.stat) process.stdout.write(diffStat(d));
  else process.stdout.write(diffText(d, colourWanted(process.stdout.isTTY, process.env)));
  return 0;
}

export async function showTask(rawId: string, opts: ApiOptions): Promise<number> {
  const id = parseId('task id', rawId);
  const { api } = operator(opts);
  const task = await api.get<TaskView>(`/tasks/${id}`);
  if (opts.json) printJson(task);
  else process.stdout.write(taskDetail(task, await runnerNames(api), Date.now()));
  return 0;
}

export async function cancelTask(rawId: string, opts: ApiOptions & { reason?: string }): Promise<number> {
  const id = parseId('task id', rawId);
  const { api } = operator(opts);
  const task = await api.post<TaskView>(`/tasks/${id}/cancel`, { actor: 'cli', reason: opts.reason });
  if (opts.json) printJson(task);
  else process.stdout.write(`task ${task.id} ${task.status}\n`);
  return 0;
}

/** GET /tasks/:id/logs as the API answers it. */
interface LogPage {
  task_id: number;
  attempt: number;
  status: string;
  done: boolean;
  chunks: Array<{ seq: number; stream: string; data: string }>;
  next_seq: number;
  output_tail: string | null;
}

export interface LogFollower {
  /** The output of the page to print; updates the cursor. */
  take(page: LogPage): string;
  /** The query of the next request. */
  query(): string;
  /** Whether the task has ended and everything was printed. */
  finished: boolean;
}

/**
 * Follow a task's output across attempts: pages after the last seq of the current attempt; when the
 * task moves to a new attempt, a header line and that attempt's output from its start.
 */
export function logFollower(startAttempt: number, startSeq: number): LogFollower {
  let attempt = startAttempt;
  let seq = startSeq;
  const f: LogFollower = {
    finished: false,
    query: () => `after_seq=${seq}&follow=1`,
    take(page) {
      if (page.attempt !== attempt) {
        // Chunks of a new attempt after the old cursor would skip its beginning: start it over.
        attempt = page.attempt;
        seq = 0;
        return `--- attempt ${attempt} ---\n`;
      }
      seq = page.next_seq;
      if (page.chunks.length === 0 && page.done) f.finished = true;
      return page.chunks.map((c) => c.data).join('');
    },
  };
  return f;
}

async function followLogs(api: JsonClient, id: number, first: LogPage): Promise<void> {
  const f = logFollower(first.attempt, first.next_seq);
  // Long-polls (the API holds each request up to ~10 s until output comes): ends when the task ended.
  while (!f.finished) {
    const page = await api.get<LogPage>(`/tasks/${id}/logs?${f.query()}`, 30_000);
    process.stdout.write(f.take(page));
  }
  const task = await api.get<TaskView>(`/tasks/${id}`);
  process.stdout.write(`--- task ${id} ${task.status} (attempt ${task.attempt}) ---\n`);
}

export async function taskLogs(
  rawId: string,
  opts: ApiOptions & { follow?: boolean; lines?: string },
): Promise<number> {
  const id = parseId('task id', rawId);
  const n = parseIntArg('-n', opts.lines, 200, 1, 100_000);
  const { api } = operator(opts);
  const page = await api.get<LogPage>(`/tasks/${id}/logs?tail=${n}`);
  const text = page.chunks.map((c) => c.data).join('');
  // Chunks are what the runner streamed; the stored tail stands in when none were kept.
  if (text) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  else if (page.output_tail) process.stdout.write(page.output_tail.replace(/\n?$/, '\n'));
  if (opts.follow) {
    process.on('SIGINT', () => process.exit(0));
    await followLogs(api, id, page);
  }
  return 0;
}

export function registerTasksCommand(program: Command): void {
  const tasks = program
    .command('tasks')
    .description('list tasks, find stuck ones, inspect a task, its output and its diff, cancel it');
  withApiOptions(
    tasks
      .command('list')
      .description("tasks, newest first, a page at a time (--run alone: the run's tasks in id order)")
      .option('--run <run-id>', "only this run's tasks")
      .option('--status <status>', `only tasks in this status (${TASK_STATUSES.join('|')})`)
      .option('--runner <runner-id>', 'only tasks whose current attempt is on this runner')
      .option('--step <step-id>', 'only tasks of this step id')
      .option('--before-id <id>', 'only tasks older than this task id (the next page)')
      .option('--limit <n>', 'at most this many (default 20)'),
    API_EXIT,
  ).action(action(async (opts: TasksListOptions) => listTasks(opts)));
  withApiOptions(
    tasks
      .command('stuck')
      .description('tasks waiting too long for something that should happen by itself: reason, age, detail')
      .option(
        '--older-than <s>',
        "waiting at least this many seconds (default: the API's MULTYAGENTS_STUCK_AFTER_S)",
      )
      .option('--limit <n>', 'at most this many, oldest first (default 100)'),
    `${API_EXIT} A list of stuck tasks is an answer: exit 0 whether or not some are listed.`,
  ).action(action(async (opts: ApiOptions & { olderThan?: string; limit?: string }) => listStuck(opts)));
  withApiOptions(
    tasks
      .command('diff')
      .description(
        "the changes of an isolated-worktree task's attempt (git diff start..head; a merge task: what landed)",
      )
      .argument('<task-id>')
      .option('--attempt <n>', "this attempt (default: the task's current one)")
      .option('--stat', 'the files changed with their added and removed lines, not the patch'),
    'Exit code 0 when done; 2 on invalid usage; 4 when the API refuses or cannot be reached (its code is shown: TASK_NOT_FOUND; DIFF_UNAVAILABLE — not dispatched, no such attempt, no worktree, nothing changed; REPO_UNAVAILABLE — the project repository or a commit is gone).',
  ).action(
    action(async (id: string, opts: ApiOptions & { attempt?: string; stat?: boolean }) => showDiff(id, opts)),
  );
  withApiOptions(
    tasks
      .command('show')
      .description('a task: status, attempt, runner, duration, triage, agent summary, last output')
      .argument('<task-id>'),
    API_EXIT,
  ).action(action(async (id: string, opts: ApiOptions) => showTask(id, opts)));
  withApiOptions(
    tasks
      .command('logs')
      .description("the task's output (the current attempt); -f follows it live until the task ends")
      .argument('<task-id>')
      .option('-f, --follow', 'keep printing new output until the task ends (Ctrl-C to stop)')
      .option('-n, --lines <n>', 'output chunks to print from the end (default 200)'),
    API_EXIT,
    false,
  ).action(
    action(async (id: string, opts: ApiOptions & { follow?: boolean; lines?: string }) => taskLogs(id, opts)),
  );
  withApiOptions(
    tasks
      .command('cancel')
      .description('cancel a task now (the runner is told when reachable)')
      .argument('<task-id>')
      .option('--reason <text>', 'why (kept in the task message)'),
    API_EXIT,
  ).action(action(async (id: string, opts: ApiOptions & { reason?: string }) => cancelTask(id, opts)));
}
