/**
 * Drill 22 — clock_jumps. The API and the runner run under libfaketime (LD_PRELOAD, a timestamp file
 * re-read on every call, monotonic clocks left real): the runner's wall clock is skewed by ±5 min
 * (seeded) from its start, and while a step runs the API's wall clock jumps +1 h (the file is rewritten).
 * Expected: no mass expiry (no attempt timed out, none lost), no false runner-lost, the run succeeds
 * with every step once on its first attempt.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Drill } from '../drill.js';
import { steady } from '../drill.js';
import { fetchEvents } from '../history.js';
import { executedExactlyOnce } from '../oracles.js';
import { check, inconclusiveCheck } from '../verdict.js';
import { waitRunning, waitRunTerminal } from '../workflow.js';
import { endChecks, eventsOf, flowAndRun, sleep } from './common.js';

export const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

function fakeEnv(rc: string): Record<string, string> {
  return {
    LD_PRELOAD: LIBFAKETIME,
    FAKETIME_TIMESTAMP_FILE: rc,
    FAKETIME_NO_CACHE: '1',
    // Timers and timeouts keep real time: only the wall clock (Date) moves.
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  };
}

export const clockJumps: Drill = {
  id: 'clock_jumps',
  name: 'API clock jumps +1 h, runner clock skewed ±5 min (libfaketime)',
  summary:
    "the API's wall clock jumps +1 h mid-step, the runner's is ±5 min off: no mass expiry, no false runner-lost",
  timeoutMs: 90_000,
  budgets: () => ({ detection_ms: null, recovery_ms: null }),
  async run(ctx) {
    const { stack } = ctx;
    if (!fs.existsSync(LIBFAKETIME)) {
      ctx.note(`${LIBFAKETIME} missing (Debian package faketime)`);
      return { checks: [inconclusiveCheck('libfaketime_available', `${LIBFAKETIME} missing`)] };
    }
    const apiRc = path.join(ctx.dir, 'api-faketime.rc');
    const runnerRc = path.join(ctx.dir, 'runner-faketime.rc');
    const skewS = ctx.num('runner_skew_s');
    fs.writeFileSync(apiRc, '+0\n');
    fs.writeFileSync(runnerRc, `${skewS >= 0 ? '+' : ''}${skewS}\n`);
    await stack.startApi({ env: fakeEnv(apiRc) });
    await stack.startRunner(0, { capacity: 2, env: fakeEnv(runnerRc) });
    steady(await stack.client.healthy(), 'API healthy');
    const run = await flowAndRun(ctx, {
      name: 'clock',
      retries: 1,
      steps: [
        {
          id: 'step1',
          mock: { duration_ms: ctx.num('step1_ms'), lines: ['step1 done'] },
          timeout_seconds: 60,
        },
        { id: 'step2', depends_on: ['step1'], mock: { duration_ms: 300 }, timeout_seconds: 60 },
      ],
    });
    const [t1] = run.task_ids as [number, number];
    steady(await waitRunning(stack.client, stack.ledgerFile, t1, 1, 15_000), 'step 1 running');
    await sleep(ctx.num('jump_after_running_ms'));
    const jumpS = ctx.num('api_jump_s');
    const jumpAt = ctx.injected(`API wall clock +${jumpS} s (runner skewed ${skewS} s from its start)`);
    fs.writeFileSync(apiRc, `+${jumpS}\n`);
    // Give a false expiry every chance: past the heartbeat timeout and the lost grace after the jump.
    const t = ctx.timeouts;
    await sleep(t.heartbeatTimeoutMs + t.lostGraceMs + 1000);
    const events = await fetchEvents(stack.client);
    const newest = events.reduce((m, e) => Math.max(m, Date.parse(e.created_at)), 0);
    const apiAhead = newest - Date.now();
    const final = await waitRunTerminal(stack.client, run.run_id, 45_000);
    ctx.fault.healed = true; // the clocks stay where they are: the product must live with them
    ctx.log(`run ${run.run_id} ended ${final}; API clock ahead by ${Math.round(apiAhead / 1000)} s`);
    const h = await ctx.collect();

    ctx.fault.fired = apiAhead > (jumpS - 120) * 1000;
    const expired = eventsOf(h, (e) => e.event_type === 'task.timed_out');
    const lost = eventsOf(h, (e) => e.event_type === 'task.runner_lost');
    const unreachable = eventsOf(h, (e) => e.event_type === 'runner.unreachable');
    ctx.details.clocks = {
      api_jump_s: jumpS,
      runner_skew_s: skewS,
      api_ahead_of_harness_ms: apiAhead,
      jump_at: new Date(jumpAt).toISOString(),
      runner_unreachable_events: unreachable.length,
    };
    return {
      checks: [
        ...endChecks(ctx, h, 'success'),
        executedExactlyOnce(h, run.task_ids),
        check('no_mass_expiry', expired.length === 0, `${expired.length} task.timed_out events`),
        check('no_false_runner_lost', lost.length === 0, `${lost.length} task.runner_lost events`),
        check(
          'no_false_runner_unreachable',
          unreachable.length === 0,
          `${unreachable.length} runner.unreachable events`,
        ),
        check(
          'jump_recorded',
          eventsOf(h, (e) => e.event_type === 'api.clock_jumped').length > 0,
          'the API recorded the jump (api.clock_jumped) and moved its deadlines and heartbeat times with it',
        ),
        check(
          'first_attempts_only',
          h.tasks.filter((x) => run.task_ids.includes(x.id)).every((x) => x.attempt === 1),
          'no step needed a second attempt',
        ),
      ],
    };
  },
};
