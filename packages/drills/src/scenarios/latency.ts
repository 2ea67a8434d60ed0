/**
 * Drill 10 — latency_and_resets. All API ↔ runner traffic crosses the fault proxies with added
 * latency (seeded latency ± jitter, both directions), a low background rate of connection resets on
 * new connections, and seeded bursts that reset every open connection of one proxy (callbacks,
 * runner → API, or API → runner: submits included). Expected: no attempt is executed twice (a lost
 * submit answer may cost a new attempt, never a second execution of the same one), no task succeeds
 * twice, the run succeeds, and every safety oracle holds.
 */
import type { Drill } from '../drill.js';
import { steady } from '../drill.js';
import { check } from '../verdict.js';
import { waitRunning, waitRunTerminal } from '../workflow.js';
import { endChecks, flowAndRun, sleep } from './common.js';
import { allProxies, proxyStats, startProxiedStack } from './topology.js';

export const latencyAndResets: Drill = {
  id: 'latency_and_resets',
  name: 'Latency and connection resets on API ↔ runner traffic',
  summary:
    'added latency plus connection resets between API and runner: no duplicate execution, the run succeeds',
  timeoutMs: 120_000,
  budgets: () => ({ detection_ms: null, recovery_ms: 15_000 }),
  async run(ctx) {
    const { stack } = ctx;
    const links = await startProxiedStack(ctx, 1, 3);
    const proxies = allProxies(links);
    const run = await flowAndRun(ctx, {
      name: 'latency',
      retries: 3,
      steps: [
        { id: 'a', mock: { duration_ms: 1000 } },
        { id: 'b', depends_on: ['a'], mock: { duration_ms: 1200 } },
        { id: 'c', depends_on: ['a'], mock: { duration_ms: 1500 } },
        { id: 'd', depends_on: ['b', 'c'], mock: { duration_ms: 1000 } },
        { id: 'e', depends_on: ['d'], mock: { duration_ms: 800 } },
      ],
    });
    steady(await waitRunning(stack.client, stack.ledgerFile, run.task_ids[0]!, 1, 15_000), 'step a running');
    const latency = ctx.num('latency_ms');
    const jitter = ctx.num('jitter_ms');
    ctx.injected(
      `latency ${latency}±${jitter} ms both ways, resets on ${Math.round(ctx.num('reset_toxicity') * 100)}% of new connections`,
    );
    for (const p of proxies) {
      p.addToxic({ name: 'lat_up', type: 'latency', stream: 'upstream', attributes: { latency, jitter } });
      p.addToxic({
        name: 'lat_down',
        type: 'latency',
        stream: 'downstream',
        attributes: { latency, jitter },
      });
      p.addToxic({
        name: 'reset_bg',
        type: 'reset_peer',
        toxicity: ctx.num('reset_toxicity'),
        attributes: { timeout: ctx.num('reset_timeout_ms') },
      });
    }
    const burstTimes: number[] = [];
    for (const b of ctx.schedule.bursts as Array<{ after_ms: number; proxy: number }>) {
      await sleep(b.after_ms);
      const p = proxies[b.proxy % proxies.length]!;
      burstTimes.push(ctx.injected(`reset burst on ${p.name} (${p.stats.active} open connections)`));
      p.addToxic({ name: 'burst', type: 'reset_peer', attributes: { timeout: 0 } });
      await sleep(20);
      p.removeToxic('burst');
    }
    const healAt = Date.now();
    for (const p of proxies) p.clearToxics();
    ctx.fault.healed = true;
    const final = await waitRunTerminal(stack.client, run.run_id, 60_000);
    const h = await ctx.collect();
    const resets = proxies.reduce((n, p) => n + p.stats.resets, 0);
    const delayed = proxies.reduce((n, p) => n + p.stats.delayed_chunks, 0);
    const done = h.events.find((e) => e.event_type === 'workflow_run.succeeded' && e.run_id === run.run_id);
    const doneAt = done ? Date.parse(done.created_at) : Infinity;
    const burstsDuringRun = burstTimes.filter((t) => t < doneAt).length;
    ctx.fault.fired = resets > 0 && delayed > 0 && burstsDuringRun >= Math.min(3, burstTimes.length);
    const perTask = run.task_ids.map((id) => ({
      task_id: id,
      attempts: h.attempts.filter((a) => a.task_id === id).map((a) => `${a.attempt}:${a.status}`),
      executions: h.ledger.filter((l) => l.task_id === id).length,
    }));
    ctx.details.per_task = perTask;
    ctx.details.resets = resets;
    ctx.details.delayed_chunks = delayed;
    ctx.details.proxies = proxyStats(links);
    ctx.details.run_status = final;
    ctx.details.bursts_while_run_active = burstsDuringRun;
    return {
      checks: [
        ...endChecks(ctx, h, 'success'),
        check(
          'one_execution_per_attempt',
          perTask.every((t) => t.executions <= t.attempts.length),
          perTask
            .map(
              (t) => `task ${t.task_id}: ${t.executions} executions for attempts [${t.attempts.join(' ')}]`,
            )
            .join('; '),
        ),
        check(
          'faults_touched_traffic',
          resets > 0 && delayed > 0,
          `${resets} connections reset, ${delayed} chunks delayed`,
        ),
      ],
      recovery_ms: done ? Math.max(0, Date.parse(done.created_at) - healAt) : null,
    };
  },
};
