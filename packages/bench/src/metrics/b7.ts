import type { ProbeResult } from '../dispatchProbe.js';
import { explainHotQueries, type Plan } from '../explain.js';
import type { Sample, ThroughputResult } from '../load.js';
import type { BaseStore } from '../phases/baseStore.js';
import { removeStore, storeWithRuns } from '../phases/baseStore.js';
import type { BenchPlan } from '../plan.js';
import { sleep } from '../procs.js';
import type { Floors, MetricResult, Row } from '../report.js';
import { BenchStack } from '../stack.js';
import { round, summarize, type Summary } from '../stats.js';
import { runWorker } from '../workers.js';

interface Level {
  stored_runs: number;
  seed_s: number | null;
  b1_one_client_ms: Summary;
  b2_from_ack_ms: Summary;
  b2_error?: string;
  b3_runs_per_s: number;
  b3_runs: number;
}

/** Until the API no longer counts the (stopped) probe as an online runner. */
async function waitProbeGone(stack: BenchStack, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const list = await stack.client.get<{ name: string; liveness: string }[]>('/runners');
    if (!list.some((r) => r.name.startsWith('bench-probe-') && r.liveness === 'online')) return;
    await sleep(50);
  }
  throw new Error('the stopped probe runner still counts as online');
}

async function measureLevel(
  base: BaseStore,
  stored: number,
  durability: 'full' | 'relaxed',
  p: NonNullable<BenchPlan['b7']>,
) {
  const t0 = Date.now();
  const store = storeWithRuns(base, stored, 'bench-b7');
  const seedS = store.seed ? round((Date.now() - t0) / 1000, 1) : null;
  const stack = new BenchStack({ dir: store.dir, durability });
  try {
    await stack.startApi(120_000);
    const probe = await runWorker<ProbeResult>('probe', {
      apiUrl: stack.apiUrl,
      token: stack.token(),
      twoStepTemplateId: base.templates.twoStep,
      fanoutTemplateId: base.templates.fanout,
      fanout: 0,
      samples: p.b2Samples,
      warmup: 20,
      fanoutRepeats: 0,
      maxMs: p.phaseMs,
    });
    // The probe left; the API must count it unreachable (heartbeat timeout) before a real runner
    // joins, or it would keep placing tasks on the gone probe.
    await waitProbeGone(stack, 60_000);
    await stack.addRunner({ capacity: 128 });
    const one = await runWorker<Sample[]>('closed-loop', {
      url: stack.apiUrl,
      templateId: base.templates.twoStep,
      count: p.b1Count,
      maxMs: p.phaseMs,
    });
    const tp = await runWorker<ThroughputResult>('throughput', {
      url: stack.apiUrl,
      templateId: base.templates.twoStep,
      runs: 1_000_000,
      window: 64,
      pollMs: 20,
      createForMs: p.phaseMs,
      timeoutMs: p.phaseMs + 60_000,
    });
    await stack.stop();
    const level: Level = {
      stored_runs: stored,
      seed_s: seedS,
      b1_one_client_ms: summarize(one.filter((s) => s.status === 200).map((s) => s.done - s.sent)),
      b2_from_ack_ms: summarize(probe.dispatch_from_ack),
      ...(probe.error ? { b2_error: probe.error } : {}),
      b3_runs_per_s: round(tp.succeeded / ((tp.finished_at - tp.started_at) / 1000), 1),
      b3_runs: tp.succeeded,
    };
    return { level, dbFile: `${store.dir}/multyagents.db`, dir: store.dir };
  } catch (err) {
    await stack.dispose();
    removeStore(store.dir);
    throw err;
  } finally {
    await stack.dispose();
  }
}

/** B7: B1 (one client), B2 and B3 on stores holding 0 (base), 100k and 1M finished runs. */
export async function b7(
  durability: 'full' | 'relaxed',
  base: BaseStore,
  plan: BenchPlan,
  floors: Floors,
): Promise<MetricResult> {
  const p = plan.b7!;
  const levels: Level[] = [];
  let plans: Plan[] = [];
  const all = [base.runs, ...p.levels];
  for (const stored of all) {
    const m = await measureLevel(base, stored, durability, p);
    levels.push(m.level);
    if (stored === all[all.length - 1]) plans = await explainHotQueries(m.dbFile);
    removeStore(m.dir);
  }
  const empty = levels[0];
  const rows: Row[] = levels.map((l) => ({
    id: 'B7',
    metric: `${l.stored_runs.toLocaleString('en-US')} stored runs${l.seed_s !== null ? ` (seeded in ${l.seed_s} s)` : ''}`,
    value:
      `B1 p50 ${l.b1_one_client_ms.p50.toFixed(2)} ms · B2 p50 ${l.b2_from_ack_ms.p50.toFixed(2)} ms · ` +
      `B3 ${l.b3_runs_per_s} runs/s`,
    ratio:
      l === empty
        ? `${(l.b1_one_client_ms.p50 / floors.request_floor_ms).toFixed(1)}× floor (B1)`
        : `B1 ${(l.b1_one_client_ms.p50 / empty.b1_one_client_ms.p50).toFixed(2)}× · B2 ${(l.b2_from_ack_ms.p50 / empty.b2_from_ack_ms.p50).toFixed(2)}× · B3 ${(empty.b3_runs_per_s / Math.max(0.01, l.b3_runs_per_s)).toFixed(2)}× slower`,
    goal: l === empty ? 'baseline' : '≤ 1.25× of empty',
  }));
  const scans = plans.filter((x) => x.full_scan);
  rows.push({
    id: 'B7',
    metric: 'hot queries scanning a growing table',
    value: scans.length ? scans.map((x) => x.op).join(', ') : 'none',
    ratio: '',
    goal: 'none (plans in the JSON and docs/benchmarks.md)',
  });
  return {
    id: 'B7',
    title: 'B1–B3 with stored finished runs',
    status: 'ok',
    rows,
    data: { levels, query_plans: plans },
  };
}
