import type { Command } from 'commander';
import { action } from '../errors.js';
import type { JsonClient } from '../http.js';
import { operator, parseId, printJson, runnerNames, withApiOptions, type ApiOptions } from '../operator.js';
import { taskDetail } from '../operatorViews.js';
import type { TaskView } from '../runApi.js';
import { parseIntArg } from '../validate.js';

const API_EXIT =
  'Exit code 0 when done; 2 on invalid usage; 4 when the API refuses or cannot be reached (its code is shown, e.g. TASK_NOT_FOUND, TASK_NOT_CANCELABLE).';

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
  const tasks = program.command('tasks').description('inspect a task, read or follow its output, cancel it');
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
