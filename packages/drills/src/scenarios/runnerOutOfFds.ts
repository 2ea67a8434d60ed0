/**
 * Drill 20 — runner_out_of_fds. One runner. A first run proves the steady state; then the runner's
 * soft RLIMIT_NOFILE is lowered with prlimit(1) to just above what it has open (seeded headroom), so
 * the next agent cannot get its pipes and files; a second run's step is submitted to it. Then the old
 * limit is restored and a third run is started.
 * Expected: the step under the limit fails (no retry, no hang) with triage that names resource
 * exhaustion (too many open files), the API stays healthy throughout, the runner survives (it answers
 * its own /health and heartbeats stay online), and once the limit is restored the runner runs work
 * again: run 3 succeeds, every step executed at most once.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { Drill } from '../drill.js';
import { steady } from '../drill.js';
import { ApiClient } from '../client.js';
import { executedExactlyOnce } from '../oracles.js';
import { check, inconclusiveCheck } from '../verdict.js';
import { createFlow, startRun, waitRunTerminal, type CreatedRun } from '../workflow.js';
import { endChecks, sleep, startStack } from './common.js';

const PRLIMIT = '/usr/bin/prlimit';

function openFds(pid: number): number {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

function softNofile(pid: number): { soft: number; hard: number } {
  const out = execFileSync(
    PRLIMIT,
    ['--pid', String(pid), '--nofile', '--raw', '--noheadings', '-o', 'SOFT,HARD'],
    {
      encoding: 'utf8',
    },
  ).trim();
  const [soft, hard] = out.split(/\s+/).map((x) => (x === 'unlimited' ? Infinity : Number(x)));
  return { soft: soft!, hard: hard! };
}

function setSoftNofile(pid: number, soft: number): void {
  // Soft only: a non-root user can raise it back up to the hard limit afterwards.
  execFileSync(PRLIMIT, ['--pid', String(pid), `--nofile=${soft}:`]);
}

export const runnerOutOfFds: Drill = {
  id: 'runner_out_of_fds',
  name: 'Runner out of file descriptors (prlimit)',
  summary: 'lower the runner’s open-file limit: the step fails triaged as resource exhaustion, API healthy',
  timeoutMs: 90_000,
  budgets: (t) => ({ detection_ms: null, recovery_ms: t.heartbeatTimeoutMs + 10_000 }),
  async run(ctx) {
    const { stack } = ctx;
    if (!fs.existsSync(PRLIMIT) || !fs.existsSync('/proc/self/fd')) {
      ctx.note('prlimit or /proc missing: cannot inject');
      return { checks: [inconclusiveCheck('prlimit_available', `${PRLIMIT} or /proc missing`)] };
    }
    await startStack(ctx, 1, 2);
    const flow = await createFlow(stack.client, {
      name: 'fds',
      steps: [{ id: 'only', mock: { duration_ms: 300, lines: ['done'] } }],
    });
    const go = async (): Promise<CreatedRun> => {
      const r = await startRun(stack.client, flow.template_id);
      ctx.created.push(r);
      return r;
    };
    const run1 = await go();
    steady((await waitRunTerminal(stack.client, run1.run_id, 20_000)) === 'success', 'run 1 succeeded');
    const runner = stack.runners[0]!;
    const pid = runner.proc.pid;
    const direct = new ApiClient(runner.url, 3000, { 'x-runner-token': stack.runnerToken() });
    const before = softNofile(pid);
    const open = openFds(pid);
    const limit = open + ctx.num('headroom');
    let run2: CreatedRun | null = null;
    let run2Status: string | null = null;
    let runnerHealthyUnderLimit = false;
    let apiHealthyUnderLimit = false;
    let restoredAt = 0;
    try {
      ctx.injected(
        `prlimit --nofile=${limit}: on ${runner.name} (pid ${pid}; ${open} open, soft was ${before.soft})`,
      );
      setSoftNofile(pid, limit);
      run2 = await go();
      run2Status = await waitRunTerminal(stack.client, run2.run_id, 20_000);
      apiHealthyUnderLimit = await stack.client.healthy();
      runnerHealthyUnderLimit = await direct
        .call('GET', '/health')
        .then((a) => a.status === 200)
        .catch(() => false);
      ctx.log(`run 2 ${run2Status}; runner /health under the limit: ${runnerHealthyUnderLimit}`);
    } finally {
      await sleep(ctx.num('hold_ms'));
      setSoftNofile(pid, before.soft);
      restoredAt = Date.now();
      ctx.fault.healed = softNofile(pid).soft === before.soft;
      await direct.close();
    }
    const run3 = await go();
    const run3Status = await waitRunTerminal(stack.client, run3.run_id, 30_000);
    const recovery = Date.now() - restoredAt;
    const h = await ctx.collect();
    const t2 = h.tasks.find((t) => t.id === run2?.task_ids[0]);
    const hints = (t2?.failure_triage_hints ?? []).join(' | ');
    const exhausted = /resource exhaustion/i.test(hints) && /EMFILE|too many open files/i.test(hints);
    ctx.fault.fired = run2Status === 'failed' && /EMFILE|too many open files/i.test(hints);
    ctx.details.limit = { open_before: open, soft_before: before.soft, hard: before.hard, set_to: limit };
    ctx.details.step_under_limit = {
      status: t2?.status,
      category: t2?.failure_category,
      hints: t2?.failure_triage_hints,
    };
    return {
      checks: [
        ...endChecks(ctx, h, 'success').filter((c) => c.name !== 'eventual_completion'),
        executedExactlyOnce(h, [...run1.task_ids, ...run3.task_ids]),
        check(
          'triaged_as_resource_exhaustion',
          exhausted && t2?.failure_category === 'resource-exhaustion',
          `step under the limit: ${String(t2?.status)}, category ${String(t2?.failure_category)}; hints: ${hints.slice(0, 300)}`,
        ),
        check(
          'api_healthy_under_limit',
          apiHealthyUnderLimit,
          'API /health answered 200 while the runner was starved',
        ),
        check(
          'runner_survived',
          runnerHealthyUnderLimit && runner.proc.running,
          'the runner answered /health and is alive',
        ),
        check(
          'works_after_restore',
          run3Status === 'success',
          `run 3 after the limit was restored: ${String(run3Status)}`,
        ),
      ],
      recovery_ms: recovery,
    };
  },
};
