/**
 * Drill 3 — runner_killed_mid_task. Two runners. (a) Retry policy 0: kill -9 the runner while its
 * agent (which has a child of its own) runs; the task must end `failed` with category runner-lost
 * within the detection budget, and no agent process may survive its runner. (b) Retry policy 1: kill
 * -9 the runner holding a running attempt; the task must succeed on the other runner. Healing restarts
 * each killed runner, whose journal recovery then reports the dead attempt late — that report must be
 * refused (stale attempt), and the task must not change.
 */
import type { Drill, DrillContext } from '../drill.js';
import { steady } from '../drill.js';
import { readLedgerFile } from '../history.js';
import { lateReportRefused, msUntilEvent, noOrphanedAgents } from '../oracles.js';
import { isAlive, waitUntil } from '../procinfo.js';
import type { History } from '../types.js';
import { check } from '../verdict.js';
import { createFlow, startRun, waitRunning, waitRunTerminal, waitTask } from '../workflow.js';
import { endChecks, firstEvent, holderOf, sleep, startStack, waitForEvent } from './common.js';

async function killHolder(ctx: DrillContext, taskId: number, delayKey: string) {
  const { stack } = ctx;
  steady(await waitRunning(stack.client, stack.ledgerFile, taskId, 1, 15_000), `task ${taskId} running`);
  const victim = await holderOf(ctx, taskId);
  await sleep(ctx.num(delayKey));
  const at = ctx.injected(`kill -9 ${victim.name} (pid ${victim.proc.pid}) while task ${taskId} runs`);
  const exit = await victim.proc.kill9();
  return { victim, at, killed: exit?.signal === 'SIGKILL' };
}

export const runnerKilledMidTask: Drill = {
  id: 'runner_killed_mid_task',
  name: 'Runner killed (kill -9) while its agent runs',
  summary:
    'kill -9 a runner mid-task: runner-lost within budget, no orphan; with retries the task succeeds elsewhere',
  timeoutMs: 120_000,
  budgets: (t) => ({
    detection_ms: t.heartbeatTimeoutMs + t.lostGraceMs + 2500,
    recovery_ms: t.heartbeatTimeoutMs + t.lostGraceMs + 8000,
  }),
  async run(ctx) {
    const { stack } = ctx;
    const client = stack.client;
    await startStack(ctx, 2);

    // (a) No retries: the task fails runner-lost, the agent tree dies with its runner.
    const flowA = await createFlow(client, {
      name: 'killed-noretry',
      steps: [{ id: 'work', mock: { duration_ms: 30_000, spawn_child: true } }],
    });
    const runA = await startRun(client, flowA.template_id);
    ctx.created.push(runA);
    const taskA = runA.task_ids[0]!;
    const a = await killHolder(ctx, taskA, 'kill_after_running_ms');
    const lostA = await waitTask(client, taskA, (t) => t.status !== 'running', 20_000);
    await waitRunTerminal(client, runA.run_id, 10_000);
    const pidsA = readLedgerFile(stack.ledgerFile).filter((l) => l.task_id === taskA);
    const agentPids = pidsA
      .flatMap((l) => [l.pid, l.child_pid ?? null])
      .filter((p): p is number => typeof p === 'number');
    const gone = await waitUntil(
      () => agentPids.every((p) => !isAlive(p)),
      ctx.timeouts.killGraceMs + 4000,
      50,
    );
    const orphanCheck = noOrphanedAgents(
      { events: [], runs: [], tasks: [], attempts: [], ledger: pidsA },
      (p) => isAlive(p),
    );
    ctx.log(`task ${taskA}: ${lostA?.status} (${lostA?.failure_category}); agent tree gone=${gone}`);
    await stack.startRunner(a.victim.index);
    const refusedA = await waitForEvent(
      ctx,
      (e) =>
        e.event_type === 'task.report_refused' &&
        e.task_id === taskA &&
        Number(e.payload.reported_attempt) === 1,
      10_000,
    );

    // (b) One retry: the task moves to the surviving runner and succeeds there.
    const flowB = await createFlow(client, {
      name: 'killed-retry',
      retries: 1,
      steps: [{ id: 'work', mock: { duration_ms: 3000 } }],
    });
    const runB = await startRun(client, flowB.template_id);
    ctx.created.push(runB);
    const taskB = runB.task_ids[0]!;
    const b = await killHolder(ctx, taskB, 'kill_after_running_ms_retry');
    const statusB = await waitRunTerminal(client, runB.run_id, 30_000);
    await stack.startRunner(b.victim.index);
    await waitForEvent(
      ctx,
      (e) =>
        e.event_type === 'task.report_refused' &&
        e.task_id === taskB &&
        Number(e.payload.reported_attempt) === 1,
      10_000,
    );
    ctx.fault.healed = stack.runners.every((r) => r.proc.running);
    ctx.log(
      `run ${runB.run_id} ${statusB}; late report of task ${taskA}: ${refusedA ? 'refused' : 'not seen'}`,
    );
    const h: History = await ctx.collect();

    ctx.fault.fired = a.killed && b.killed;
    const tA = h.tasks.find((t) => t.id === taskA);
    const tB = h.tasks.find((t) => t.id === taskB);
    const attemptsB = h.attempts.filter((x) => x.task_id === taskB);
    const successB = firstEvent(h, (e) => e.task_id === taskB && e.payload.to === 'success');
    ctx.details.no_retry = { run_id: runA.run_id, task: tA, killed: a.victim.name, agent_pids: agentPids };
    ctx.details.with_retry = { run_id: runB.run_id, task: tB, killed: b.victim.name, attempts: attemptsB };
    const detection = msUntilEvent(
      h,
      a.at,
      (e) => e.event_type === 'task.runner_lost' && e.task_id === taskA,
    );
    const runIds = [runA.run_id, runB.run_id];
    return {
      checks: [
        ...endChecks(ctx, h, 'success').filter((c) => c.name !== 'eventual_completion'),
        check(
          'no_retry_task_failed_runner_lost',
          tA?.status === 'failed' && tA.failure_category === 'runner-lost',
          `task ${taskA} is ${tA?.status} (${tA?.failure_category ?? 'no category'})`,
        ),
        check(
          'no_retry_run_failed',
          h.runs.find((r) => r.id === runA.run_id)?.status === 'failed',
          `run ${runA.run_id} is ${h.runs.find((r) => r.id === runA.run_id)?.status}`,
        ),
        orphanCheck,
        check(
          'retried_task_succeeded_elsewhere',
          tB?.status === 'success' && tB.attempt === 2 && successB?.payload.runner_id !== b.victim.id,
          `task ${taskB} is ${tB?.status} on attempt ${tB?.attempt}, finished by runner ${String(successB?.payload.runner_id)} (killed: ${b.victim.id})`,
        ),
        check(
          'killed_attempt_marked_lost',
          attemptsB.find((x) => x.attempt === 1)?.status === 'lost',
          `attempt 1 is ${attemptsB.find((x) => x.attempt === 1)?.status}`,
        ),
        lateReportRefused(h, taskB, 1),
        { ...lateReportRefused(h, taskA, 1), name: 'late_report_refused_no_retry' },
        check(
          'retried_run_succeeded',
          statusB === 'success' && runIds.length === 2,
          `run ${runB.run_id} is ${statusB}`,
        ),
      ],
      detection_ms: detection,
      recovery_ms: msUntilEvent(h, b.at, (e) => e.task_id === taskB && e.payload.to === 'success'),
    };
  },
};
