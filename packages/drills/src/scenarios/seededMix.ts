/**
 * Drill 11 — seeded_mix. Two runners behind fault proxies; a seeded sequence of faults — API kill -9,
 * API SIGTERM, runner kill -9 (restarted after a hold), runner SIGSTOP/SIGCONT, a partition of one
 * runner, a latency spike — each while a freshly started run is active (one run per fault, all
 * overlapping), each healed before the next; then a final heal. Expected: every safety oracle holds
 * over the whole history, nothing acknowledged before an API fault is lost, and every run succeeds.
 */
import type { Drill, DrillContext } from '../drill.js';
import { steady } from '../drill.js';
import { acknowledgedDurable } from '../oracles.js';
import type { MixFault } from '../schedule.js';
import { check } from '../verdict.js';
import { createFlow, startRun, waitRunTerminal, waitTask } from '../workflow.js';
import { endChecks, restartApi, sleep, strikeApi } from './common.js';
import { allProxies, cut, heal, proxyStats, startProxiedStack, type Links } from './topology.js';

async function apply(ctx: DrillContext, links: Links, f: MixFault): Promise<boolean> {
  const { stack } = ctx;
  const r = stack.runners[f.runner]!;
  switch (f.kind) {
    case 'api_kill9':
    case 'api_sigterm': {
      const s = await strikeApi(ctx, f.kind === 'api_kill9' ? 'SIGKILL' : 'SIGTERM');
      await restartApi(ctx, s.at);
      return s.ok;
    }
    case 'runner_kill9': {
      ctx.injected(`kill -9 ${r.name}, restart after ${f.hold_ms} ms`);
      const ok = (await r.proc.kill9())?.signal === 'SIGKILL';
      await sleep(f.hold_ms);
      await stack.startRunner(f.runner);
      return ok;
    }
    case 'runner_pause': {
      ctx.injected(`SIGSTOP ${r.name} for ${f.hold_ms} ms`);
      const ok = r.proc.signal('SIGSTOP');
      await sleep(f.hold_ms);
      r.proc.signal('SIGCONT');
      return ok;
    }
    case 'partition': {
      ctx.injected(`partition ${r.name} for ${f.hold_ms} ms`);
      await cut(links, f.runner, 'blackhole');
      await sleep(f.hold_ms);
      await heal(links, f.runner, 'blackhole');
      return true;
    }
    case 'latency': {
      ctx.injected(`latency 300±100 ms on ${r.name}'s links for ${f.hold_ms} ms`);
      const ps = [links.runners[f.runner]!.toApi, links.runners[f.runner]!.toRunner, links.callbacks];
      const before = ps.reduce((n, p) => n + p.stats.delayed_chunks, 0);
      for (const p of ps) {
        p.addToxic({
          name: 'spike_up',
          type: 'latency',
          stream: 'upstream',
          attributes: { latency: 300, jitter: 100 },
        });
        p.addToxic({
          name: 'spike_down',
          type: 'latency',
          stream: 'downstream',
          attributes: { latency: 300, jitter: 100 },
        });
      }
      await sleep(f.hold_ms);
      for (const p of ps) p.clearToxics();
      return ps.reduce((n, p) => n + p.stats.delayed_chunks, 0) > before;
    }
  }
}

export const seededMix: Drill = {
  id: 'seeded_mix',
  name: 'Seeded mix of faults over several overlapping runs',
  summary:
    'a seeded sequence of API, runner and network faults over overlapping runs; all complete after the heal',
  timeoutMs: 180_000,
  budgets: () => ({ detection_ms: null, recovery_ms: 30_000 }),
  async run(ctx) {
    const { stack } = ctx;
    const links = await startProxiedStack(ctx, 2, 3);
    const flow = await createFlow(stack.client, {
      name: 'mix',
      retries: 5,
      steps: [
        { id: 'a', mock: { duration_ms: 700 } },
        { id: 'b', depends_on: ['a'], mock: { duration_ms: 700 } },
        { id: 'c', depends_on: ['b'], mock: { duration_ms: 700 } },
      ],
    });
    const faults = ctx.schedule.faults as MixFault[];
    const applied: Array<MixFault & { ok: boolean; at: string }> = [];
    for (const [i, f] of faults.entries()) {
      const run = await startRun(stack.client, flow.template_id);
      ctx.created.push(run);
      if (i === 0)
        steady(
          await waitTask(stack.client, run.task_ids[0]!, (t) => t.status === 'running', 15_000),
          'first run running',
        );
      await sleep(f.after_ms);
      await ctx.snapshot();
      const at = new Date().toISOString();
      applied.push({ ...f, ok: await apply(ctx, links, f), at });
    }
    // Final heal: everything up, resumed, unpartitioned, no toxics.
    for (const p of allProxies(links)) {
      p.clearToxics();
      if (!p.enabled) await p.enable();
    }
    for (const r of stack.runners) {
      if (r.proc.paused) r.proc.signal('SIGCONT');
      if (!r.proc.running) await stack.startRunner(r.index);
    }
    if (!stack.api?.running) await stack.startApi();
    const healAt = Date.now();
    ctx.fault.healed = true;
    const statuses = [];
    for (const c of ctx.created) statuses.push(await waitRunTerminal(stack.client, c.run_id, 60_000));
    const recovery = Date.now() - healAt;
    ctx.log(`runs: ${statuses.join(', ')}`);
    const h = await ctx.collect();
    ctx.fault.fired = applied.length === faults.length && applied.every((a) => a.ok);
    ctx.details.faults = applied;
    ctx.details.retries = h.tasks
      .filter((t) => t.attempt > 1)
      .map((t) => ({ task_id: t.id, attempts: t.attempt }));
    ctx.details.proxies = proxyStats(links);
    return {
      checks: [
        ...endChecks(ctx, h, 'success'),
        acknowledgedDurable(ctx.snapshots, h),
        check(
          'every_fault_applied',
          ctx.fault.fired,
          applied.map((a) => `${a.kind}${a.ok ? '' : ' (NOT applied)'}`).join(', '),
        ),
      ],
      recovery_ms: recovery,
    };
  },
};
