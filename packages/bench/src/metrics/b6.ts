import type { ThroughputResult } from '../load.js';
import type { BaseStore } from '../phases/baseStore.js';
import { removeStore, storeWithRuns } from '../phases/baseStore.js';
import type { BenchPlan } from '../plan.js';
import type { MemoryUsage } from '../procs.js';
import type { MetricResult, Row } from '../report.js';
import { BenchStack } from '../stack.js';
import { round } from '../stats.js';
import { runWorker } from '../workers.js';

const mb = (b: number | undefined | null) => (b == null ? null : round(b / 1024 / 1024, 1));

/**
 * B6: API memory with 0 (the base store), 10k and 100k completed runs in the store, each after the
 * same short real workload; and the database size per 10k runs. The bigger stores are seeded (see
 * seed.ts), so this shows whether memory depends on stored state — not a leak over 100k processed
 * runs (the heap growth during the workload answers that, per 1k runs).
 */
export async function b6(
  durability: 'full' | 'relaxed',
  base: BaseStore,
  plan: BenchPlan,
): Promise<MetricResult> {
  const p = plan.b6!;
  const levels: Record<string, unknown>[] = [];
  const rows: Row[] = [];
  for (const level of [base.runs, ...p.levels]) {
    const store = storeWithRuns(base, level, 'bench-b6');
    // Heap figures are read after a full GC, which the probe can only ask for under --expose-gc.
    const stack = new BenchStack({ dir: store.dir, durability, nodeArgs: ['--expose-gc'] });
    try {
      await stack.startApi();
      await stack.addRunner({ capacity: 64 });
      const work = () =>
        runWorker<ThroughputResult>('throughput', {
          url: stack.apiUrl,
          templateId: base.templates.twoStep,
          runs: 1_000_000,
          window: 32,
          pollMs: 20,
          createForMs: p.workMs / 2,
          timeoutMs: p.workMs + 120_000,
        });
      // The first half warms the process up (JIT, statement cache, pools); growth is read over the second.
      const warm = await work();
      const before = await stack.api!.mem();
      const r = await work();
      const after: MemoryUsage | null = await stack.api!.mem();
      const growthPer1k =
        before && after && r.succeeded > 0 ? (after.heapUsed - before.heapUsed) / (r.succeeded / 1000) : null;
      levels.push({
        stored_runs: level,
        db_mb: mb(store.dbBytes),
        seeded: store.seed,
        heap_used_mb_after_warmup: mb(before?.heapUsed),
        heap_used_mb_after_work: mb(after?.heapUsed),
        rss_mb_after_work: mb(after?.rss),
        warmup_runs: warm.succeeded,
        work_runs: r.succeeded,
        heap_growth_kb_per_1k_runs: growthPer1k === null ? null : round(growthPer1k / 1024, 1),
      });
      rows.push({
        id: 'B6',
        metric: `API memory, ${level.toLocaleString('en-US')} runs stored`,
        value: `heap ${mb(after?.heapUsed)} MB (after GC), rss ${mb(after?.rss)} MB; db ${mb(store.dbBytes)} MB`,
        ratio: '',
        goal: `after ${warm.succeeded + r.succeeded} more runs; heap growth ${growthPer1k === null ? '-' : `${round(growthPer1k / 1024, 0)} KB`} per 1k runs`,
      });
    } finally {
      await stack.dispose();
      removeStore(store.dir);
    }
  }
  const first = levels[0];
  const last = levels[levels.length - 1];
  const perTenK =
    ((last.db_mb as number) - (first.db_mb as number)) /
    (((last.stored_runs as number) - (first.stored_runs as number)) / 10_000);
  rows.push({
    id: 'B6',
    metric: 'DB size per 10k two-step runs',
    value: `${round(perTenK, 1)} MB`,
    ratio: '',
    goal: 'heap flat (state lives in the store)',
  });
  return {
    id: 'B6',
    title: 'API memory vs stored runs; DB size',
    status: 'ok',
    rows,
    data: { levels, db_mb_per_10k_runs: round(perTenK, 2) },
  };
}
