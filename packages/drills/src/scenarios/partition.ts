/**
 * Drill 5 — partition_short and partition_long. Every byte between the API and its runner crosses
 * our fault proxies; the partition cuts both directions (seeded: a black hole that swallows bytes on
 * open and new connections, or the proxies going down so connections are refused).
 * - short: shorter than the heartbeat timeout. Expected: nothing is declared unreachable or lost,
 *   step 1 completes on its first attempt, exactly once, and the run succeeds.
 * - long: past the heartbeat timeout plus the lost grace, while step 1's agent finishes on the far
 *   side. Expected: the runner is declared unreachable and the attempt lost; by policy (one retry)
 *   the step runs again as attempt 2 once the partition heals and the run succeeds; the old
 *   attempt's report, delivered after the heal, is refused as stale; the step completes once.
 */
import type { Drill, DrillContext } from '../drill.js';
import { steady } from '../drill.js';
import { executedExactlyOnce, lateReportRefused, msUntilEvent } from '../oracles.js';
import { waitUntil } from '../procinfo.js';
import type { Check } from '../types.js';
import { check } from '../verdict.js';
import { waitRunning, waitRunTerminal } from '../workflow.js';
import { attemptStatus, endChecks, firstEvent, flowAndRun, sleep, waitForEvent } from './common.js';
import { cut, heal, lastSeen, proxyStats, startProxiedStack, type CutMode } from './topology.js';

function partitionDrill(kind: 'short' | 'long'): Drill {
  const long = kind === 'long';
  return {
    id: `partition_${kind}`,
    name: `API ↔ runner network partition ${long ? 'longer' : 'shorter'} than the lease`,
    summary: long
      ? 'partition past heartbeat timeout + grace: attempt lost, retried after heal, old attempt fenced'
      : 'partition shorter than the heartbeat timeout: heals with one completion, nothing lost',
    timeoutMs: 90_000,
    budgets: (t) =>
      long
        ? { detection_ms: t.heartbeatTimeoutMs + 1500, recovery_ms: t.heartbeatTimeoutMs + 6000 }
        : {
            detection_ms: null,
            recovery_ms: t.runnerApiTimeoutMs + Math.floor(t.heartbeatTimeoutMs / 5) + 2000,
          },
    async run(ctx: DrillContext) {
      const { stack } = ctx;
      const links = await startProxiedStack(ctx, 1);
      const runner = stack.runners[0]!;
      const run = await flowAndRun(ctx, {
        name: `partition-${kind}`,
        retries: 1,
        steps: [
          { id: 'step1', mock: { duration_ms: long ? 1500 : 2500, lines: ['step1 done'] } },
          { id: 'step2', depends_on: ['step1'], mock: { duration_ms: 300 } },
        ],
      });
      const [t1, t2] = run.task_ids as [number, number];
      steady(
        await waitRunning(stack.client, stack.ledgerFile, t1, 1, 15_000),
        'step 1 running behind the proxies',
      );
      await sleep(ctx.num('start_after_running_ms'));
      const mode = ctx.str<CutMode>('mode');
      const duration = ctx.num('duration_ms');
      const cutAt = ctx.injected(`partition (${mode}) of ${runner.name} for ${duration} ms`);
      await cut(links, 0, mode);
      await sleep(duration);
      const seen = await lastSeen(ctx, runner.id);
      const silentMs = Date.now() - seen.at;
      const lostBeforeHeal = (await attemptStatus(ctx, t1, 1)) === 'lost';
      await heal(links, 0, mode);
      const healAt = Date.now();
      ctx.fault.healed = true;
      ctx.log(`healed; API had not heard from the runner for ${silentMs} ms (${seen.liveness})`);
      const contact = await waitUntil(async () => (await lastSeen(ctx, runner.id)).at > healAt, 15_000);
      const contactMs = contact ? (await lastSeen(ctx, runner.id)).at - healAt : null;
      const final = await waitRunTerminal(stack.client, run.run_id, 30_000);
      if (long)
        await waitForEvent(
          ctx,
          (e) =>
            e.event_type === 'task.report_refused' &&
            e.task_id === t1 &&
            Number(e.payload.reported_attempt) === 1,
          10_000,
        );
      const h = await ctx.collect();

      // Fired: the API really stopped hearing from the runner for longer than a heartbeat interval.
      const hbInterval = Math.floor(ctx.timeouts.heartbeatTimeoutMs / 5);
      ctx.fault.fired = silentMs >= hbInterval && (!long || lostBeforeHeal);
      const unreachable = h.events.filter(
        (e) => e.event_type === 'runner.unreachable' && e.payload.runner_id === runner.id,
      );
      const attempts = h.attempts.filter((a) => a.task_id === t1);
      const success = firstEvent(h, (e) => e.task_id === t1 && e.payload.to === 'success');
      ctx.details.partition = {
        mode,
        duration_ms: duration,
        api_silent_ms: silentMs,
        liveness_before_heal: seen.liveness,
        contact_after_heal_ms: contactMs,
      };
      ctx.details.attempts = attempts;
      ctx.details.proxies = proxyStats(links);
      ctx.details.run_status = final;
      const checks: Check[] = [...endChecks(ctx, h, 'success')];
      if (long) {
        checks.push(
          check(
            'runner_declared_unreachable',
            unreachable.length > 0,
            `${unreachable.length} runner.unreachable events`,
          ),
          check(
            'old_attempt_lost',
            attempts.find((a) => a.attempt === 1)?.status === 'lost',
            `attempt 1 is ${attempts.find((a) => a.attempt === 1)?.status}`,
          ),
          check(
            'completed_once_by_retry',
            success?.payload.attempt === 2,
            `step 1 succeeded with attempt ${String(success?.payload.attempt)}`,
          ),
          lateReportRefused(h, t1, 1),
          executedExactlyOnce(h, [t2]),
        );
      } else {
        checks.push(
          check(
            'nothing_declared_unreachable',
            unreachable.length === 0 && !h.events.some((e) => e.event_type === 'task.runner_lost'),
            `${unreachable.length} runner.unreachable events`,
          ),
          check(
            'first_attempt_completed',
            attempts.length === 1 && attempts[0]!.status === 'success',
            `attempts: ${attempts.map((a) => `${a.attempt}:${a.status}`).join(', ')}`,
          ),
          executedExactlyOnce(h, [t1, t2]),
        );
      }
      return {
        checks,
        detection_ms: long
          ? msUntilEvent(
              h,
              cutAt,
              (e) => e.event_type === 'runner.unreachable' && e.payload.runner_id === runner.id,
            )
          : null,
        recovery_ms: long
          ? msUntilEvent(h, healAt, (e) => e.task_id === t1 && e.payload.to === 'success')
          : contactMs,
      };
    },
  };
}

export const partitionShort = partitionDrill('short');
export const partitionLong = partitionDrill('long');
