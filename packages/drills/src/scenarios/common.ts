/** Building blocks shared by the drills. */
import { steady, type DrillContext } from '../drill.js';
import { fetchEvents } from '../history.js';
import { allSettled, eventualCompletion, safetyChecks } from '../oracles.js';
import { sleep } from '../procinfo.js';
import type { ManagedProcess } from '../processes.js';
import type { Check, EventRec, History } from '../types.js';
import { createFlow, startRun, type CreatedRun, type FlowSpec } from '../workflow.js';

/** API + `runners` runners, all up and online (the steady state every drill starts from). */
export async function startStack(ctx: DrillContext, runners = 1, capacity = 2): Promise<void> {
  await ctx.stack.startApi();
  for (let i = 0; i < runners; i++) await ctx.stack.startRunner(i, { capacity });
  steady(await ctx.stack.client.healthy(), 'API healthy');
}

export async function flowAndRun(ctx: DrillContext, spec: FlowSpec): Promise<CreatedRun> {
  const flow = await createFlow(ctx.stack.client, spec);
  const run = await startRun(ctx.stack.client, flow.template_id);
  ctx.created.push(run);
  ctx.details.template_id = flow.template_id;
  return run;
}

/** Restart the API after a kill: measured from `since` to answering /health again. */
export async function restartApi(ctx: DrillContext, since: number): Promise<number> {
  await ctx.stack.startApi();
  return Date.now() - since;
}

/** Kill the API with `sig` and wait until the process is gone; returns proof of the kill. */
export async function strikeApi(
  ctx: DrillContext,
  sig: 'SIGTERM' | 'SIGKILL',
): Promise<{ at: number; exit: string; ok: boolean }> {
  const api = ctx.stack.api!;
  const at = ctx.injected(`API ${sig === 'SIGKILL' ? 'kill -9' : 'SIGTERM'} (pid ${api.pid})`);
  if (sig === 'SIGKILL') await api.kill9();
  else await api.stop(10_000);
  const exit = api.exit ? (api.exit.signal ?? `exit ${api.exit.code}`) : 'still running';
  const ok = sig === 'SIGKILL' ? api.exit?.signal === 'SIGKILL' : api.exit !== null;
  return { at, exit, ok };
}

export async function stopProcess(p: ManagedProcess, sig: 'SIGTERM' | 'SIGKILL'): Promise<boolean> {
  if (sig === 'SIGKILL') return (await p.kill9())?.signal === 'SIGKILL';
  await p.stop(10_000);
  return p.exit !== null;
}

export function eventsOf(h: History, pred: (e: EventRec) => boolean): EventRec[] {
  return h.events.filter(pred).sort((a, b) => a.id - b.id);
}

export function firstEvent(h: History, pred: (e: EventRec) => boolean): EventRec | null {
  return eventsOf(h, pred)[0] ?? null;
}

export const at = (e: EventRec | null): number | null => (e ? Date.parse(e.created_at) : null);

/** Standard end-of-drill oracles: safety on the whole history plus completion in `expected`. */
export function endChecks(ctx: DrillContext, h: History, expected: string): Check[] {
  const runIds = ctx.created.map((c) => c.run_id);
  return [...safetyChecks(h, ctx.created), allSettled(h, runIds), eventualCompletion(h, runIds, expected)];
}

export { sleep };

/** The runner (handle) that holds the task's current attempt, per the API. */
export async function holderOf(ctx: DrillContext, taskId: number) {
  const t = await ctx.stack.client.get<{ runner_id: number | null }>(`/tasks/${taskId}`);
  const r = ctx.stack.runners.find((x) => x && x.id === t.runner_id);
  if (!r) throw new Error(`task ${taskId} is held by runner ${String(t.runner_id)}, not one of ours`);
  return r;
}

/** Poll the event log until an event matches (null after the timeout). */
export async function waitForEvent(
  ctx: DrillContext,
  pred: (e: EventRec) => boolean,
  timeoutMs: number,
): Promise<EventRec | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await fetchEvents(ctx.stack.client).catch(() => [] as EventRec[])).find(pred);
    if (found || Date.now() >= deadline) return found ?? null;
    await sleep(100);
  }
}

/** The API's record of one attempt of a task (its status: dispatched … success, lost, …). */
export async function attemptStatus(
  ctx: DrillContext,
  taskId: number,
  attempt: number,
): Promise<string | null> {
  const audit = await ctx.stack.client.get<{ attempts: Array<{ attempt: number; status: string }> }>(
    `/tasks/${taskId}/audit`,
  );
  return audit.attempts.find((a) => a.attempt === attempt)?.status ?? null;
}
