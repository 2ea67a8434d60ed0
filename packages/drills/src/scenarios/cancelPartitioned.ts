/**
 * Drill 19 — cancel_during_partition. One runner behind proxies; step 1 → step 2. While step 1 runs,
 * the runner is partitioned (seeded: black hole or proxies down) past its heartbeat timeout, and the
 * operator aborts the run meanwhile (POST /workflow-runs/:id/abort: the API cannot tell the runner).
 * Seeded, the agent either finishes on the far side (its late `success` must be ignored) or is still
 * running when the partition heals (the runner must kill it once it hears of the cancel).
 * Expected: the run `aborted` and step 1 `canceled` at once, and both stay so; the late report (if
 * any) refused; step 2 never executes; no agent left alive; nothing acknowledged lost.
 */
import type { Drill } from '../drill.js';
import { steady } from '../drill.js';
import { acknowledgedDurable, msUntilEvent, noOrphanedAgents } from '../oracles.js';
import { isAlive, waitUntil } from '../procinfo.js';
import { check, inconclusiveCheck } from '../verdict.js';
import { getTask, waitRunning } from '../workflow.js';
import { endChecks, eventsOf, flowAndRun, sleep, waitForEvent } from './common.js';
import { cut, heal, proxyStats, startProxiedStack, type CutMode } from './topology.js';

const CUT_AFTER_RUNNING_MS = 200;

/** The agent's duration: ends mid-partition (`finishes`), or long after it (`still_running`). */
export function agentDurationMs(s: {
  agent: string;
  cancel_after_cut_ms: number;
  partition_ms: number;
}): number {
  if (s.agent === 'still_running') return 60_000;
  return (
    CUT_AFTER_RUNNING_MS + s.cancel_after_cut_ms + Math.floor((s.partition_ms - s.cancel_after_cut_ms) / 2)
  );
}

export const cancelDuringPartition: Drill = {
  id: 'cancel_during_partition',
  name: 'Run aborted while its runner is partitioned',
  summary:
    'abort a run while its runner is cut off: canceled stays canceled, late result ignored, agent killed',
  timeoutMs: 90_000,
  budgets: (t) => ({
    detection_ms: null,
    recovery_ms: t.runnerApiTimeoutMs + t.heartbeatTimeoutMs + t.killGraceMs + 5000,
  }),
  async run(ctx) {
    const { stack } = ctx;
    const links = await startProxiedStack(ctx, 1);
    const runner = stack.runners[0]!;
    const sched = {
      agent: ctx.str('agent'),
      cancel_after_cut_ms: ctx.num('cancel_after_cut_ms'),
      partition_ms: ctx.num('partition_ms'),
    };
    const run = await flowAndRun(ctx, {
      name: 'cancel-partitioned',
      steps: [
        { id: 'step1', mock: { duration_ms: agentDurationMs(sched), lines: ['step1 done'] } },
        { id: 'step2', depends_on: ['step1'], mock: { duration_ms: 200 } },
      ],
    });
    const [t1, t2] = run.task_ids as [number, number];
    const running = steady(
      await waitRunning(stack.client, stack.ledgerFile, t1, 1, 15_000),
      'step 1 running',
    );
    const agentPid = running.ledger.pid;
    await sleep(CUT_AFTER_RUNNING_MS);
    const mode = ctx.str<CutMode>('mode');
    const cutAt = ctx.injected(`partition (${mode}) of ${runner.name} for ${sched.partition_ms} ms`);
    await cut(links, 0, mode);
    await sleep(sched.cancel_after_cut_ms);
    const abort = await stack.client.call('POST', `/workflow-runs/${run.run_id}/abort`, {
      actor: 'chaos-drill',
      reason: 'abort while partitioned',
    });
    const abortedAt = Date.now();
    const runAfterAbort = (await stack.client.get<{ status: string }>(`/workflow-runs/${run.run_id}`)).status;
    const taskAfterAbort = (await getTask(stack.client, t1)).status;
    await ctx.snapshot();
    ctx.log(`abort answered ${abort.status}: run ${runAfterAbort}, step 1 ${taskAfterAbort}`);
    await sleep(Math.max(0, cutAt + sched.partition_ms - Date.now()));
    const agentAliveAtHeal = agentPid !== null ? isAlive(agentPid) : null;
    await heal(links, 0, mode);
    const healAt = Date.now();
    ctx.fault.healed = true;
    // After the heal: the late report (if the agent finished) or the kill (if it still runs).
    let lateRefused = false;
    if (sched.agent === 'finishes') {
      lateRefused =
        (await waitForEvent(
          ctx,
          (e) => e.event_type === 'task.report_refused' && e.task_id === t1,
          15_000,
        )) !== null;
    }
    const agentGone =
      agentPid === null
        ? null
        : await waitUntil(() => !isAlive(agentPid), 15_000, 50).then((x) => Boolean(x));
    const goneAt = Date.now();
    // A little more time for anything wrong to happen (a step 2 dispatch, a state change).
    await sleep(1000);
    const h = await ctx.collect();

    const t1rec = h.tasks.find((t) => t.id === t1);
    const runRec = h.runs.find((r) => r.id === run.run_id);
    const unreachable = eventsOf(h, (e) => e.event_type === 'runner.unreachable');
    ctx.fault.fired =
      unreachable.some((e) => Date.parse(e.created_at) >= cutAt - 5) &&
      (sched.agent === 'finishes' ? lateRefused : agentAliveAtHeal === true);
    if (sched.agent === 'still_running' && agentAliveAtHeal !== true)
      ctx.note('the agent was not alive at the heal');
    const refusals = eventsOf(h, (e) => e.event_type === 'task.report_refused' && e.task_id === t1);
    ctx.details.partition = { mode, ...sched, agent_pid: agentPid, agent_alive_at_heal: agentAliveAtHeal };
    ctx.details.abort = {
      at: new Date(abortedAt).toISOString(),
      status: abort.status,
      run_after: runAfterAbort,
      step1_after: taskAfterAbort,
    };
    ctx.details.refusals = refusals.map((e) => e.payload);
    ctx.details.proxies = proxyStats(links);
    return {
      checks: [
        ...endChecks(ctx, h, 'aborted'),
        acknowledgedDurable(ctx.snapshots, h),
        check(
          'canceled_at_once_while_partitioned',
          abort.status === 200 && runAfterAbort === 'aborted' && taskAfterAbort === 'canceled',
          `abort answered ${abort.status}; run ${runAfterAbort}, step 1 ${taskAfterAbort}`,
        ),
        check(
          'canceled_stays_canceled',
          t1rec?.status === 'canceled' && runRec?.status === 'aborted',
          `after the heal: step 1 ${String(t1rec?.status)}, run ${String(runRec?.status)}`,
        ),
        sched.agent === 'finishes'
          ? check(
              'late_result_ignored',
              lateRefused,
              `late reports of step 1 refused: ${refusals.map((e) => `${String(e.payload.reported_status)} ${String(e.payload.code)}`).join(', ') || 'none'}`,
            )
          : agentPid === null
            ? inconclusiveCheck('agent_killed_on_reconnect', 'the ledger has no agent pid')
            : check(
                'agent_killed_on_reconnect',
                agentAliveAtHeal === true && agentGone === true,
                `agent ${agentPid} alive at the heal: ${String(agentAliveAtHeal)}; gone after: ${String(agentGone)}`,
              ),
        check('step2_never_executed', !h.ledger.some((l) => l.task_id === t2), 'no ledger line for step 2'),
        noOrphanedAgents(h, (p) => isAlive(p)),
      ],
      // Heal → the late report refused (finishes), or → the agent gone (still_running).
      recovery_ms:
        sched.agent === 'still_running'
          ? goneAt - healAt
          : msUntilEvent(h, healAt, (e) => e.event_type === 'task.report_refused' && e.task_id === t1),
    };
  },
};
