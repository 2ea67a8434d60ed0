import type { Command } from 'commander';
import { action, EXIT } from '../errors.js';
import type { JsonClient } from '../http.js';
import { operator, parseId, withApiOptions, type ApiOptions } from '../operator.js';
import { isTerminalRun, isTerminalTask, summarize } from '../progress.js';
import { runTasks, taskLogTail, type RunView, type TaskView } from '../runApi.js';
import { streamError } from '../runStream.js';
import { followEvents } from '../sse.js';
import { parseSeconds } from '../validate.js';
import { transitionLine, transitionOf, type StreamEvent } from '../watchView.js';

export interface WatchOptions extends ApiOptions {
  timeout?: string;
}

/** Runner names by id, fetched again (once per unknown id) when a runner registered meanwhile. */
function runnerNameCache(api: JsonClient) {
  const names = new Map<number, string>();
  const tried = new Set<number>();
  return {
    name: (id: number) => names.get(id) ?? `runner#${id}`,
    async learn(id: number) {
      if (names.has(id) || tried.has(id)) return;
      tried.add(id);
      try {
        for (const r of await api.get<Array<{ id: number; name: string }>>('/runners', 3000))
          names.set(r.id, r.name);
      } catch {
        /* cosmetic: the id is shown */
      }
    },
  };
}

/**
 * Follow a run through the event stream (no polling): its history from the first event, then live,
 * one line per run or task transition; ends when the run has ended. 0: success; 1: failed or
 * aborted; 5: --timeout passed first.
 */
export async function watchRun(rawId: string, opts: WatchOptions): Promise<number> {
  const id = parseId('run id', rawId);
  const timeoutMs = opts.timeout === undefined ? null : parseSeconds('--timeout', opts.timeout, 0) * 1000;
  const { api, headers } = operator(opts);
  const run0 = await api.get<RunView>(`/workflow-runs/${id}`);
  const steps = new Map<number, string | null>();
  const refreshSteps = async () => {
    for (const t of await runTasks(api, id)) steps.set(t.id, t.step_id ?? null);
  };
  await refreshSteps();
  const runnerOf = new Map<number, number>();
  const names = runnerNameCache(api);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (!opts.json) out(`watching run ${id} on ${api.baseUrl} (now ${run0.status}, ${steps.size} tasks)`);

  const abort = new AbortController();
  let timedOut = false;
  const timer =
    timeoutMs === null
      ? null
      : setTimeout(() => {
          timedOut = true;
          abort.abort();
        }, timeoutMs);
  let final: RunView | null = null;
  try {
    await followEvents({
      baseUrl: api.baseUrl,
      headers,
      // From the run's first event: a run that ended already is shown whole, and nothing is missed
      // between reading the run and opening the stream.
      query: { run_id: id, after_id: 0 },
      signal: abort.signal,
      onEvent: async (frame) => {
        const e = JSON.parse(frame.data) as StreamEvent;
        if (e.task_id !== null && !steps.has(e.task_id)) await refreshSteps().catch(() => undefined);
        // A reset task (partial re-run) has no runner until its next dispatch.
        if (e.event_type === 'task.partial_rerun_reset' && e.task_id !== null) runnerOf.delete(e.task_id);
        if (
          e.event_type === 'task.dispatched' &&
          e.task_id !== null &&
          typeof e.payload?.runner_id === 'number'
        ) {
          runnerOf.set(e.task_id, e.payload.runner_id);
          await names.learn(e.payload.runner_id);
        }
        const t = transitionOf(e, {
          step: (tid) => steps.get(tid) ?? null,
          runner: (tid) => (runnerOf.has(tid) ? names.name(runnerOf.get(tid)!) : null),
        });
        if (t) out(opts.json ? JSON.stringify(t) : transitionLine(t));
        if (t?.kind !== 'run' || !isTerminalRun(t.to)) return false;
        // A run re-opened by a partial re-run ends again later: stop at its last end only.
        const now = await api.get<RunView>(`/workflow-runs/${id}`);
        const finishedAt = typeof now.finished_at === 'string' ? now.finished_at : null;
        if (isTerminalRun(now.status) && finishedAt !== null && e.created_at >= finishedAt) {
          final = now;
          return true;
        }
        return false;
      },
    });
  } catch (err) {
    throw streamError(err, api.baseUrl);
  } finally {
    if (timer) clearTimeout(timer);
  }
  if (timedOut || final === null) {
    const msg = `gave up watching after ${(timeoutMs ?? 0) / 1000}s: run ${id} keeps going on the API`;
    if (opts.json) out(JSON.stringify({ run_id: id, ok: null, timed_out: true }));
    else out(msg);
    return EXIT.timeout;
  }
  return finish(api, final, opts, out);
}

async function finish(
  api: JsonClient,
  run: RunView,
  opts: WatchOptions,
  out: (l: string) => void,
): Promise<number> {
  const order = new Map(run.task_ids.map((t, i) => [t, i]));
  const tasks: TaskView[] = (await runTasks(api, run.id)).sort(
    (a, b) => (order.get(a.id) ?? 1e9) - (order.get(b.id) ?? 1e9),
  );
  const ok = run.status === 'success';
  if (opts.json) {
    out(JSON.stringify({ run_id: run.id, ok, status: run.status, run, tasks }));
  } else {
    const names = new Map<number, string>();
    for (const r of await api.get<Array<{ id: number; name: string }>>('/runners', 3000).catch(() => []))
      names.set(r.id, r.name);
    const tails = new Map<number, string[]>();
    for (const t of tasks)
      if (isTerminalTask(t.status) && t.status !== 'success')
        tails.set(t.id, await taskLogTail(api, t.id, 10));
    const elapsed = typeof run.duration_ms === 'number' ? run.duration_ms : 0;
    process.stdout.write(summarize(run, tasks, (id) => names.get(id) ?? `runner#${id}`, tails, elapsed).text);
  }
  return ok ? EXIT.ok : EXIT.failed;
}

export function registerWatchCommand(program: Command): void {
  withApiOptions(
    program
      .command('watch')
      .description(
        'follow a run live through the event stream: one line per run/task transition until it ends',
      )
      .argument('<run-id>')
      .option('--timeout <seconds>', 'stop watching after this long; exit 5 (the run keeps going)'),
    'Exit code 0 when the run succeeded; 1 when it failed or was aborted; 5 on --timeout; 2 on invalid usage; 4 when the API refuses or cannot be reached (e.g. WORKFLOW_RUN_NOT_FOUND).\nWith --json: one JSON object per transition, then {run_id, ok, status, run, tasks}.',
  ).action(action(async (id: string, opts: WatchOptions) => watchRun(id, opts)));
}
