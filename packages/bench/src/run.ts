import fs from 'node:fs';
import os from 'node:os';
import { gitInfo, machineInfo } from './machine.js';
import { b1 } from './metrics/b1.js';
import { b2b8 } from './metrics/b2b8.js';
import { b3Result, throughputVariant, type B3Figures } from './metrics/b3.js';
import { b4 } from './metrics/b4.js';
import { b5 } from './metrics/b5.js';
import { b6 } from './metrics/b6.js';
import { b7 } from './metrics/b7.js';
import { b10 } from './metrics/b10worktree.js';
import { b11 } from './metrics/b11agentCli.js';
import { b12 } from './metrics/b12worktreeDisk.js';
import { b13 } from './metrics/b13stream.js';
import { panelMetrics } from './metrics/b14b15panel.js';
import { peerPhase, peerResult } from './metrics/peer.js';
import { floorsPhase } from './phases/floors.js';
import { makeBaseStore, removeStore, type BaseStore } from './phases/baseStore.js';
import { makePlan, type BenchPlan } from './plan.js';
import { formatTable, skipped, type Floors, type MetricResult } from './report.js';
import { profiling } from './procs.js';
import { BenchStack, type StackOptions } from './stack.js';
import type { Summary } from './stats.js';
import { createTemplates, type Templates } from './workloads.js';

export interface BenchOptions {
  quick?: boolean;
  json?: string;
  durability?: 'full' | 'relaxed';
  peer?: string;
  only?: string[];
  keep?: boolean;
  /** B11: install the pinned agent CLIs (≈ 800 MB, minutes) when the cache does not have them. */
  installAgentClis?: boolean;
}

const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

interface Ctx {
  plan: BenchPlan;
  floors: Floors;
  durability: 'full' | 'relaxed';
  keep: boolean;
  metrics: MetricResult[];
}

/**
 * A fresh private stack for one phase, always torn down: kill -9 when `throwaway` (a backlog of queued
 * runs is not worth draining), unless the processes are to write profiles (see `profiling`).
 */
async function withStack<T>(
  c: Ctx,
  opts: StackOptions & { runners?: number[]; throwaway?: boolean },
  fn: (s: BenchStack, t: Templates) => Promise<T>,
): Promise<T> {
  const stack = new BenchStack({ durability: c.durability, ...opts });
  try {
    await stack.startApi();
    for (const capacity of opts.runners ?? []) await stack.addRunner({ capacity });
    const templates = await createTemplates(stack.client, c.plan.b8.fanout);
    return await fn(stack, templates);
  } finally {
    if (opts.throwaway && !profiling()) {
      for (const r of stack.runners) await r.child.kill9();
      if (stack.api) await stack.api.kill9();
    }
    await stack.dispose(c.keep);
  }
}

/** Run one phase; an exception becomes a FAILED metric with the reason, never a silent gap. */
async function phase(c: Ctx, ids: string[], title: string, fn: () => Promise<MetricResult[]>): Promise<void> {
  say(`${ids.join('/')}: ${title}`);
  const t0 = Date.now();
  try {
    c.metrics.push(...(await fn()));
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0];
    say(`${ids.join('/')} failed: ${msg}`);
    for (const id of ids) c.metrics.push(skipped(id, title, `error: ${msg}`, 'failed'));
  }
  say(`${ids.join('/')}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

export async function runBench(opts: BenchOptions): Promise<number> {
  const plan = makePlan(Boolean(opts.quick));
  const durability = opts.durability ?? 'full';
  const t0 = Date.now();
  const loadBefore = os.loadavg();
  const want = (id: string) => !opts.only || opts.only.includes(id);
  say(
    `mode ${plan.mode}, durability ${durability}, load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`,
  );
  const cores = os.cpus().length;
  const busy = loadBefore[0] > cores * 0.75;
  if (busy)
    say(
      `WARNING: load average ${loadBefore[0].toFixed(2)} on ${cores} cores — other work is running; ` +
        'absolute figures will be noisy (the ratios to the floors less so)',
    );
  const floors = await floorsPhase(plan.floorSamples);
  say(
    `floors: loopback RTT p50 ${floors.loopback_http_rtt_ms.p50} ms, FULL commit p50 ${floors.sqlite_commit_full_ms.p50} ms`,
  );
  const c: Ctx = { plan, floors, durability, keep: Boolean(opts.keep), metrics: [] };
  let b2FromAck: Summary | null = null;
  let b3TasksPerS: number | null = null;

  if (want('B2') || want('B8')) {
    await phase(c, ['B2', 'B8'], 'dispatch latency and fan-out (probe runner)', () =>
      withStack(c, { label: 'bench-probe' }, async (s, t) => {
        const r = await b2b8(s, t, floors, {
          samples: plan.b2.samples,
          fanoutRepeats: plan.b8.repeats,
          fanout: plan.b8.fanout,
        });
        b2FromAck = r.b2.data.from_ack_ms as Summary;
        return [r.b2, r.b8];
      }),
    );
  }
  if (want('B1')) {
    await phase(c, ['B1'], 'create-run latency', async () => {
      const parts: MetricResult[] = [];
      // One client, then each rate on a fresh stack: the backlog a rate leaves is thrown away with it.
      parts.push(
        await withStack(
          c,
          { label: 'bench-b1', runners: [plan.b3.runnerCapacity], throwaway: true },
          (s, t) => b1(s, floors, { templateId: t.twoStep, ...plan.b1, rates: [] }),
        ),
      );
      // The same with no runner at all: the API's own cost per create, nothing executing beside it.
      parts.push(
        await withStack(c, { label: 'bench-b1', runners: [], throwaway: true }, (s, t) =>
          b1(s, floors, {
            templateId: t.twoStep,
            ...plan.b1,
            rates: [],
            oneClientLabel: 'API alone (no runner, runs stay queued)',
          }),
        ),
      );
      for (const rate of plan.b1.rates) {
        parts.push(
          await withStack(
            c,
            { label: 'bench-b1', runners: [plan.b3.runnerCapacity], throwaway: true },
            (s, t) => b1(s, floors, { templateId: t.twoStep, ...plan.b1, oneClientCount: 0, rates: [rate] }),
          ),
        );
      }
      return [mergeB1(parts)];
    });
  }
  if (want('B3')) {
    await phase(c, ['B3'], 'end-to-end throughput', () =>
      withStack(c, { label: 'bench-b3', runners: [plan.b3.runnerCapacity] }, async (s, t) => {
        const variants: B3Figures[] = [];
        variants.push(
          await throughputVariant(s, {
            label: 'no-op in runner',
            templateId: t.twoStep,
            runs: plan.b3.runs,
            createForMs: plan.b3.createForMs,
            window: plan.b3.window,
            tasksPerRun: 2,
          }),
        );
        b3TasksPerS = variants[0].tasks_per_s;
        variants.push(
          await throughputVariant(s, {
            label: `no-op in runner, ${plan.b3.smallWindow} in flight`,
            templateId: t.twoStep,
            runs: Math.round(plan.b3.runs / 2),
            createForMs: Math.round(plan.b3.createForMs / 2),
            window: plan.b3.smallWindow,
            tasksPerRun: 2,
          }),
        );
        variants.push(
          await throughputVariant(s, {
            label: 'spawned mock agent',
            templateId: t.twoStepSpawn,
            runs: plan.b3.spawnRuns,
            createForMs: plan.b3.spawnCreateForMs,
            window: plan.b3.spawnWindow,
            tasksPerRun: 2,
          }),
        );
        return [b3Result(variants, floors)];
      }),
    );
  }
  if (want('B4')) {
    await phase(c, ['B4'], 'recovery after API kill -9 under load', () =>
      withStack(
        c,
        { label: 'bench-b4', runners: [plan.b3.runnerCapacity], throwaway: true },
        async (s, t) => [await b4(s, floors, { templateId: t.twoStep, ...plan.b4 })],
      ),
    );
  }
  if (want('B5')) {
    await phase(c, ['B5'], 'lost-runner detection and false positives', () =>
      withStack(
        c,
        { label: 'bench-b5', apiEnv: { MULTYAGENTS_HEARTBEAT_TIMEOUT_MS: String(plan.b5.timeoutMs) } },
        async (s, t) => [await b5(s, { templateId: t.twoStep, ...plan.b5 })],
      ),
    );
  }
  const needBase = (want('B6') && plan.b6) || (want('B7') && plan.b7);
  let base: BaseStore | null = null;
  if (needBase) {
    try {
      say('B6/B7: base store of real finished runs');
      base = await makeBaseStore(durability, 200);
    } catch (err) {
      for (const id of ['B6', 'B7'])
        c.metrics.push(skipped(id, id, `base store failed: ${(err as Error).message}`, 'failed'));
    }
  }
  if (want('B6')) {
    if (!plan.b6)
      c.metrics.push(
        skipped(
          'B6',
          'API memory vs stored runs',
          '--quick: seeding 100k runs takes a while; run without --quick',
        ),
      );
    else if (base) {
      const b = base;
      await phase(c, ['B6'], 'API memory and DB size', async () => [await b6(durability, b, plan)]);
    }
  }
  if (want('B7')) {
    if (!plan.b7)
      c.metrics.push(
        skipped('B7', 'B1–B3 on a big store', '--quick: seeding 1M runs takes minutes; run without --quick'),
      );
    else if (base) {
      const b = base;
      await phase(c, ['B7'], 'B1–B3 with stored finished runs', async () => [
        await b7(durability, b, plan, floors),
      ]);
    }
  }
  if (base && !c.keep) removeStore(base.dir);
  if (opts.peer === 'graphile-worker') {
    await phase(c, ['PEER'], 'graphile-worker 0.17.3 on local PostgreSQL', async () => [
      peerResult(await peerPhase(plan.peer), { b2FromAck, b3TasksPerS }),
    ]);
  } else {
    c.metrics.push(
      skipped('PEER', 'graphile-worker 0.17.3 (peer)', 'not requested (--peer graphile-worker)'),
    );
  }

  // B10–B12 generate a 10k-file repository and start their own stacks: under --quick only when named.
  for (const [id, title, fn] of [
    ['B10', 'ready → agent started in a fresh worktree', () => b10(durability, c.keep, plan.b10)],
    ['B11', 'per-task overhead of the real agent CLIs', () => b11(plan.b11, Boolean(opts.installAgentClis))],
    ['B12', 'disk per worktree and what cleanup gets back', () => b12(durability, c.keep, plan.b12)],
  ] as const) {
    if (!want(id)) continue;
    if (opts.quick && !opts.only) c.metrics.push(skipped(id, title, `--quick: name it in --only (${id})`));
    else await phase(c, [id], title, async () => [await fn()]);
  }

  // B13–B15 (the event stream, the web panel in chromium): under --quick only when named, like B10–B12.
  const cockpit = (id: string) => want(id) && (!opts.quick || Boolean(opts.only));
  for (const [id, title] of [
    ['B13', 'event stream fan-out'],
    ['B14', 'panel first paint with a big store'],
    ['B15', 'event → DOM update in the panel'],
  ])
    if (want(id) && !cockpit(id)) c.metrics.push(skipped(id, title, `--quick: name it in --only (${id})`));
  if (cockpit('B13'))
    await phase(c, ['B13'], 'event stream fan-out', async () => [await b13(durability, c.keep, plan.b13)]);
  if (cockpit('B14') || cockpit('B15')) {
    const ids = ['B14', 'B15'].filter(cockpit);
    await phase(c, ids, 'the web panel in chromium on a big store', () =>
      panelMetrics(durability, c.keep, plan.panel, { b14: cockpit('B14'), b15: cockpit('B15') }),
    );
  }

  const wall = (Date.now() - t0) / 1000;
  const rows = c.metrics.flatMap((m) => m.rows);
  process.stdout.write(`${formatTable(rows)}\n`);
  const floorLine =
    `floor = loopback HTTP RTT p50 ${floors.loopback_http_rtt_ms.p50} ms + durable commit p50 ` +
    `${floors.sqlite_commit_full_ms.p50} ms = ${floors.request_floor_ms} ms`;
  process.stdout.write(
    `${floorLine}\nwall time ${wall.toFixed(1)} s, load average before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}\n`,
  );
  const machine = machineInfo();
  if (machine.dropped_env.length)
    process.stdout.write(
      `the API and runners started without ${machine.dropped_env.join(', ')} (set here; see docs/benchmarks.md)\n`,
    );
  const doc = {
    benchmark: 'multyagents bench',
    mode: plan.mode,
    durability,
    store:
      durability === 'full'
        ? 'sqlite (WAL; durability full: the WAL is fdatasynced after each group commit, before any answer)'
        : 'sqlite (WAL; durability relaxed: synchronous=NORMAL, no fsync before answers)',
    machine,
    load_average: { before: loadBefore, after: os.loadavg() },
    git: gitInfo(),
    started_at: new Date(t0).toISOString(),
    wall_time_s: wall,
    plan,
    floors,
    metrics: c.metrics,
  };
  if (opts.json) fs.writeFileSync(opts.json, `${JSON.stringify(doc, null, 2)}\n`);
  const failed = c.metrics.filter((m) => m.status === 'failed');
  for (const m of failed) say(`FAILED ${m.id}: ${m.reason}`);
  return failed.length ? 1 : 0;
}

/** The B1 parts (one client, each rate on its own stack) as one metric. */
function mergeB1(parts: MetricResult[]): MetricResult {
  return {
    id: 'B1',
    title: 'create-run latency',
    status: parts.every((p) => p.status === 'ok') ? 'ok' : 'failed',
    rows: parts.flatMap((p) => p.rows),
    data: {
      one_client: parts[0]?.data.one_client,
      one_client_api_alone: parts[1]?.data.one_client,
      open_loop: parts.slice(2).flatMap((p) => p.data.open_loop as unknown[]),
      floor_ms: parts[0]?.data.floor_ms,
    },
  };
}
