import type { Command } from 'commander';
import { RUN_STATUSES, UNSUCCESSFUL_TASK_STATUSES } from '@multyagents/contracts';
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

export async function listRuns(opts: ApiOptions & { status?: string; limit?: string }): Promise<number> {
  if (opts.status !== undefined && !(RUN_STATUSES as readonly string[]).includes(opts.status))
    throw usageError(`--status must be one of ${RUN_STATUSES.join(', ')}, got "${opts.status}"`);
  const limit = parseLimit(opts.limit, 20);
  const { api } = operator(opts);
  const qs = new URLSearchParams({ limit: String(limit), ...(opts.status ? { status: opts.status } : {}) });
  const runs = await api.get<RunView[]>(`/workflow-runs?${qs}`);
  if (opts.json) printJson(runs);
  else process.stdout.write(runsTable(runs));
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
      .description('runs, newest first')
      .option('--status <status>', `only runs in this status (${RUN_STATUSES.join('|')})`)
      .option('--limit <n>', 'at most this many (default 20)'),
    API_EXIT,
  ).action(action(async (opts: ApiOptions & { status?: string; limit?: string }) => listRuns(opts)));
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
