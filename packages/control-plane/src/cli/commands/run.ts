import fs from 'node:fs';
import type { Command } from 'commander';
import { processEnv, type Env } from '../../config/env.js';
import { operatorClient, operatorHeaders, resolveApiUrl } from '../client.js';
import { action, usageError } from '../errors.js';
import { envHelp } from '../helpText.js';
import { probeHealth, type JsonClient } from '../http.js';
import { isTerminalRun, isTerminalTask, RunProgress, summarize } from '../progress.js';
import {
  applyWorkflow,
  getTemplate,
  runTasks,
  startRun,
  taskLogTail,
  type AppliedWorkflow,
  type RunView,
  type TaskView,
} from '../runApi.js';
import { changesStatus, lastRunEventId, streamError } from '../runStream.js';
import { followEvents } from '../sse.js';
import { parseSeconds } from '../validate.js';
import type { StreamEvent } from '../watchView.js';
import { loadWorkflowFile } from '../workflowFile.js';

export interface RunOptions {
  api?: string;
  dataDir?: string;
  json?: boolean;
  wait?: boolean;
  timeout?: string;
}

export type RunTarget = { kind: 'file'; path: string } | { kind: 'template'; id: number };

/** A path that exists (or looks like a workflow file) is a file; a positive integer is a template id. */
export function parseRunTarget(arg: string, exists = fs.existsSync): RunTarget {
  if (exists(arg)) return { kind: 'file', path: arg };
  if (/^[1-9]\d*$/.test(arg)) return { kind: 'template', id: Number(arg) };
  if (/\.(json|ya?ml)$/i.test(arg)) throw usageError(`workflow file ${arg} does not exist`);
  throw usageError(
    `"${arg}" is neither a workflow file nor a template id`,
    'pass a .json/.yaml workflow file (e.g. examples/two-step.json) or the id of a stored template',
  );
}

/** Runner id → name, refreshed from GET /runners when an unknown id shows up. */
function runnerNames(api: JsonClient) {
  const names = new Map<number, string>();
  let stale = true;
  return {
    name: (id: number) => names.get(id) ?? `runner#${id}`,
    async ensure(ids: Array<number | null | undefined>) {
      if (!stale && ids.every((id) => id == null || names.has(id))) return;
      try {
        for (const r of await api.get<Array<{ id: number; name: string }>>('/runners', 3000)) {
          names.set(r.id, r.name);
        }
      } catch {
        /* names are cosmetic; ids are shown instead */
      }
      stale = false;
    },
  };
}

export async function runWorkflow(target: string, opts: RunOptions, env: Env): Promise<number> {
  const timeoutMs = parseSeconds('--timeout', opts.timeout, 3600) * 1000;
  const what = parseRunTarget(target);
  const api = operatorClient(resolveApiUrl(opts, env), env);
  const say = (line: string) => {
    if (!opts.json) process.stdout.write(`${line}\n`);
  };
  let applied: AppliedWorkflow | null = null;
  let templateId: number;
  if (what.kind === 'file') {
    const wf = loadWorkflowFile(what.path);
    applied = await applyWorkflow(api, wf);
    for (const r of applied.roles) say(`role ${r.name}: ${r.created ? 'created' : 'exists'} (id ${r.id})`);
    say(
      `template "${wf.name}": ${applied.template_reused ? 'reused' : 'created'} (id ${applied.template_id})`,
    );
    templateId = applied.template_id;
  } else {
    templateId = (await getTemplate(api, what.id)).id;
  }
  const started = Date.now();
  let run = await startRun(api, templateId);
  say(`run ${run.id} started on ${api.baseUrl} (${run.task_ids.length} tasks)`);
  if ((await probeHealth(api.baseUrl))?.dispatch_mode === 'manual') {
    say(`note: the API dispatches manually: tasks move only on POST /workflow-runs/${run.id}/dispatch-ready`);
  }
  const base = { api_url: api.baseUrl, template_id: templateId, roles: applied?.roles ?? [] };
  if (opts.wait === false) {
    if (opts.json) process.stdout.write(`${JSON.stringify({ ...base, ok: null, run }, null, 2)}\n`);
    return 0;
  }
  const names = runnerNames(api);
  const progress = opts.json ? null : new RunProgress(process.stdout, names.name);
  let tasks: TaskView[] = [];
  let timedOut = false;
  const order = (t: TaskView) => {
    const i = run.task_ids.indexOf(t.id);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  const refresh = async () => {
    run = await api.get<RunView>(`/workflow-runs/${run.id}`);
    tasks = (await runTasks(api, run.id)).sort((a, b) => order(a) - order(b));
    await names.ensure(tasks.map((t) => t.runner_id));
    progress?.update(run, tasks);
  };
  // State read after the newest event, then every later status change from the stream (no polling).
  const after = await lastRunEventId(api, run.id);
  await refresh();
  const abort = new AbortController();
  const left = timeoutMs - (Date.now() - started);
  const timer = setTimeout(
    () => {
      timedOut = true;
      abort.abort();
    },
    Math.max(0, left),
  );
  // Only the spinner of a terminal moves between events; it redraws what is known, asks nothing.
  const spin = progress?.animated ? setInterval(() => progress.update(run, tasks), 250) : null;
  try {
    if (!isTerminalRun(run.status))
      await followEvents({
        baseUrl: api.baseUrl,
        headers: operatorHeaders(env),
        query: { run_id: run.id, after_id: after },
        signal: abort.signal,
        onEvent: async (frame) => {
          if (!changesStatus(JSON.parse(frame.data) as StreamEvent)) return false;
          await refresh();
          return isTerminalRun(run.status);
        },
      });
  } catch (err) {
    throw streamError(err, api.baseUrl);
  } finally {
    clearTimeout(timer);
    if (spin) clearInterval(spin);
  }
  if (timedOut) await refresh();
  const tails = new Map<number, string[]>();
  for (const t of tasks) {
    if (isTerminalTask(t.status) && t.status !== 'success') tails.set(t.id, await taskLogTail(api, t.id, 10));
  }
  const elapsed = Date.now() - started;
  const summary = summarize(run, tasks, names.name, tails, elapsed);
  if (opts.json) {
    const out = { ...base, ok: summary.ok, timed_out: timedOut, elapsed_ms: elapsed, run, tasks };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    process.stdout.write(`\n${summary.text}`);
    if (timedOut) {
      process.stdout.write(
        `gave up waiting after ${timeoutMs / 1000}s: run ${run.id} is still ${run.status} and keeps going on the API\n`,
      );
    }
  }
  return summary.ok ? 0 : timedOut ? 5 : 1;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('start a workflow run from a file (roles + template created as needed) or a template id')
    .argument('<workflow>', 'a .json/.yaml workflow file (see docs/cli.md) or a stored template id')
    .option('--api <url>', 'API base URL (default: the stack in --data-dir, else http://127.0.0.1:48000)')
    .option('--data-dir <dir>', 'data dir whose stack gives the API URL (default .multyagents)')
    .option('--json', 'print one JSON document (run, tasks with triage) instead of live progress')
    .option('--no-wait', 'return as soon as the run is created')
    .option('--timeout <seconds>', 'stop waiting after this long; exit 5 (default 3600)')
    .addHelpText(
      'after',
      `\nExit code 0 only if the run succeeded; 1 if it failed or was aborted; 5 on --timeout.${envHelp([
        'MULTYAGENTS_API_URL',
        'MULTYAGENTS_DATA_DIR',
        'MULTYAGENTS_OPERATOR_TOKEN',
        'NO_COLOR',
      ])}`,
    )
    .action(action(async (target: string, opts: RunOptions) => runWorkflow(target, opts, processEnv())));
}
