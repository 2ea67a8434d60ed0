import type { Command } from 'commander';
import { RUN_STATUSES, UNSUCCESSFUL_TASK_STATUSES, type RunCounts } from '@multyagents/contracts';
import { countsTable, pageFooter, pageInfo } from '../cockpitViews.js';
import { action, usageError } from '../errors.js';
import {
  operator,
  parseId,
  parseLimit,
  printJson,
  runnerNames,
  withApiOptions,
  type ApiOptions,
} from '../operator.js';
import { runDetail, runsTable } from '../operatorViews.js';
import { runTasks, type RunView, type TaskView } from '../runApi.js';

const API_EXIT =
  'Exit code 0 when done; 2 on invalid usage or an API answer 422; 4 when the API refuses or cannot be reached (its code is shown, e.g. WORKFLOW_RUN_NOT_FOUND, RUN_STATE_CONFLICT).';

export interface RunsListOptions extends ApiOptions {
  status?: string;
  template?: string;
  initiatedBy?: string;
  beforeId?: string;
  limit?: string;
}

/** The query of `GET /workflow-runs` for the options (usage errors before any request). */
export function runsQuery(opts: RunsListOptions): URLSearchParams {
  if (opts.status !== undefined && !(RUN_STATUSES as readonly string[]).includes(opts.status))
    throw usageError(`--status must be one of ${RUN_STATUSES.join(', ')}, got "${opts.status}"`);
  const qs = new URLSearchParams({ limit: String(parseLimit(opts.limit, 20)) });
  if (opts.status) qs.set('status', opts.status);
  if (opts.template !== undefined)
    qs.set('workflow_template_id', String(parseId('--template', opts.template)));
  if (opts.initiatedBy !== undefined) {
    if (!opts.initiatedBy.trim() || /[\r\n]/.test(opts.initiatedBy))
      throw usageError('--initiated-by must be a non-empty name on one line');
    qs.set('initiated_by', opts.initiatedBy);
  }
  if (opts.beforeId !== undefined) qs.set('before_id', String(parseId('--before-id', opts.beforeId)));
  return qs;
}

/**
 * `--json` stays the bare array of v1 (scripts read it as such): the page's headers are not in it; a
 * script pages with the last id it got as `--before-id` (an empty array is the end).
 */
export async function listRuns(opts: RunsListOptions): Promise<number> {
  const qs = runsQuery(opts);
  const { api } = operator(opts);
  const { body: runs, headers } = await api.getWithHeaders<RunView[]>(`/workflow-runs?${qs}`);
  if (opts.json) printJson(runs);
  else process.stdout.write(runsTable(runs) + pageFooter('run', pageInfo(headers), runs.length));
  return 0;
}

export async function runCounts(opts: ApiOptions): Promise<number> {
  const { api } = operator(opts);
  const counts = await api.get<RunCounts>('/workflow-runs/counts');
  if (opts.json) printJson(counts);
  else process.stdout.write(countsTable(counts));
  return 0;
}

export async function showRun(rawId: string, opts: ApiOptions): Promise<number> {
  const id = parseId('run id', rawId);
  const { api } = operator(opts);
  const run = await api.get<RunView>(`/workflow-runs/${id}`);
  const order = new Map(run.task_ids.map((t, i) => [t, i]));
  const tasks = (await runTasks(api, id)).sort((a, b) => (order.get(a.id) ?? 1e9) - (order.get(b.id) ?? 1e9));
  if (opts.json) printJson({ run, tasks });
  else process.stdout.write(runDetail(run, tasks, await runnerNames(api), Date.now()));
  return 0;
}

export async function operateRun(
  op: 'pause' | 'resume' | 'abort',
  rawId: string,
  opts: ApiOptions & { reason?: string },
): Promise<number> {
  const id = parseId('run id', rawId);
  const { api } = operator(opts);
  const run = await api.post<RunView>(`/workflow-runs/${id}/${op}`, { actor: 'cli', reason: opts.reason });
  if (opts.json) printJson(run);
  else process.stdout.write(`run ${run.id} ${run.status}${opts.reason ? ` (${opts.reason})` : ''}\n`);
  return 0;
}

/**
 * The tasks `--failed` selects: every task that did not succeed, except those the run's fail-fast
 * canceled (failure step `run-failed`): the API resets them with the selection by itself.
 */
export function failedSelection(tasks: TaskView[]): number[] {
  return tasks
    .filter((t) => (UNSUCCESSFUL_TASK_STATUSES as readonly string[]).includes(t.status))
    .filter((t) => !(t.status === 'canceled' && t.failure_step === 'run-failed'))
    .map((t) => t.id);
}

interface RerunAnswer {
  run_id: number;
  selected_task_ids: number[];
  reset_task_ids: number[];
  spawn: Array<{ task_id: number; submitted?: boolean; task_status?: string; error?: unknown }>;
}

export async function rerunRun(
  rawId: string,
  opts: ApiOptions & { task?: string[]; step?: string[]; failed?: boolean; reason?: string },
): Promise<number> {
  const id = parseId('run id', rawId);
  const taskIds = (opts.task ?? []).map((t) => parseId('--task', t));
  const stepIds = opts.step ?? [];
  if (!opts.failed && taskIds.length === 0 && stepIds.length === 0)
    throw usageError(
      'say what to run again',
      'pass --failed, or --task <id> / --step <step-id> (repeatable)',
    );
  if (opts.failed && (taskIds.length || stepIds.length))
    throw usageError('--failed selects the tasks itself: do not combine it with --task or --step');
  const { api } = operator(opts);
  let selection = taskIds;
  if (opts.failed) {
    selection = failedSelection(await runTasks(api, id));
    if (selection.length === 0)
      throw usageError(`run ${id} has no failed task to run again`, 'see `multyagents runs show ' + id + '`');
  }
  const out = await api.post<RerunAnswer>(`/workflow-runs/${id}/partial-rerun`, {
    task_ids: selection,
    step_ids: stepIds,
    requested_by: 'cli',
    reason: opts.reason ?? '',
  });
  if (opts.json) {
    printJson(out);
    return 0;
  }
  const submitted = out.spawn.filter((s) => s.submitted).map((s) => s.task_id);
  process.stdout.write(
    `run ${out.run_id}: rerunning tasks ${out.selected_task_ids.join(', ')}` +
      ` (reset: ${out.reset_task_ids.join(', ') || 'none'}; dispatched now: ${submitted.join(', ') || 'none'})\n` +
      `follow it with \`multyagents watch ${out.run_id}\`\n`,
  );
  return 0;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerRunsCommand(program: Command): void {
  const runs = program.command('runs').description('list, inspect, pause, resume, abort and re-run runs');
  withApiOptions(
    runs
      .command('list')
      .description('runs, newest first, a page at a time (the total and the next page are printed last)')
      .option('--status <status>', `only runs in this status (${RUN_STATUSES.join('|')})`)
      .option('--template <id>', 'only runs of this workflow template')
      .option('--initiated-by <name>', 'only runs started by this name (exact)')
      .option('--before-id <id>', 'only runs older than this run id (the next page)')
      .option('--limit <n>', 'at most this many (default 20)'),
    API_EXIT,
  ).action(action(async (opts: RunsListOptions) => listRuns(opts)));
  withApiOptions(
    runs.command('counts').description('how many runs there are in each status, and in all'),
    API_EXIT,
  ).action(action(async (opts: ApiOptions) => runCounts(opts)));
  withApiOptions(
    runs
      .command('show')
      .description('a run and its tasks: status, attempt, runner, duration, and the triage of failures')
      .argument('<run-id>'),
    API_EXIT,
  ).action(action(async (id: string, opts: ApiOptions) => showRun(id, opts)));
  for (const op of ['pause', 'resume', 'abort'] as const) {
    const desc = {
      pause: 'pause a run: no new task starts; running ones finish',
      resume: 'resume a paused run',
      abort: 'abort a run: every task that has not ended is canceled',
    }[op];
    withApiOptions(
      runs
        .command(op)
        .description(desc)
        .argument('<run-id>')
        .option('--reason <text>', 'why (recorded in the run event)'),
      API_EXIT,
    ).action(action(async (id: string, opts: ApiOptions & { reason?: string }) => operateRun(op, id, opts)));
  }
  withApiOptions(
    runs
      .command('rerun')
      .description('run the failed branch of a run again (partial re-run)')
      .argument('<run-id>')
      .option('--failed', 'every task of the run that did not succeed')
      .option('--task <id>', 'this task (repeatable)', collect)
      .option('--step <step-id>', 'the task of this step (repeatable)', collect)
      .option('--reason <text>', 'why (recorded with the reset)'),
    API_EXIT,
  ).action(
    action(
      async (
        id: string,
        opts: ApiOptions & { task?: string[]; step?: string[]; failed?: boolean; reason?: string },
      ) => rerunRun(id, opts),
    ),
  );
}
