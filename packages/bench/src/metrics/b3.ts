import type { ThroughputResult } from '../load.js';
import type { Floors, MetricResult, Row } from '../report.js';
import type { BenchStack } from '../stack.js';
import { round } from '../stats.js';
import { checkExactlyOnce, type ExactlyOnce } from '../verify.js';
import { runWorker } from '../workers.js';

export interface B3Variant {
  label: string;
  templateId: number;
  runs: number;
  createForMs: number;
  window: number;
  tasksPerRun: number;
}

export interface B3Figures {
  label: string;
  runs: number;
  window: number;
  elapsed_s: number;
  runs_per_s: number;
  tasks_per_s: number;
  /** Amortized wall time per task divided by the request floor. */
  per_task_ms: number;
  exactly_once: ExactlyOnce;
  throughput: Omit<ThroughputResult, 'run_ids'>;
}

/** Closed-loop throughput of one variant, then the exactly-once check of every run it created. */
export async function throughputVariant(stack: BenchStack, v: B3Variant): Promise<B3Figures> {
  const r = await runWorker<ThroughputResult>('throughput', {
    url: stack.apiUrl,
    templateId: v.templateId,
    runs: v.runs,
    window: v.window,
    pollMs: 20,
    createForMs: v.createForMs,
    timeoutMs: v.createForMs + 120_000,
  });
  const elapsedS = (r.finished_at - r.started_at) / 1000;
  const eo = await checkExactlyOnce(
    stack.client,
    r.run_ids,
    stack.runners.map((x) => x.ledger),
  );
  const { run_ids: _ids, ...rest } = r;
  const runsPerS = r.succeeded / elapsedS;
  return {
    label: v.label,
    runs: r.run_ids.length,
    window: v.window,
    elapsed_s: round(elapsedS, 2),
    runs_per_s: round(runsPerS, 1),
    tasks_per_s: round(runsPerS * v.tasksPerRun, 1),
    per_task_ms: round(1000 / (runsPerS * v.tasksPerRun), 3),
    exactly_once: eo,
    throughput: rest,
  };
}

export function b3Result(variants: B3Figures[], floors: Floors): MetricResult {
  const rows: Row[] = variants.map((f) => ({
    id: 'B3',
    metric: `throughput, ${f.label}`,
    value: `${f.runs_per_s} runs/s = ${f.tasks_per_s} tasks/s (${f.runs} runs, window ${f.window})`,
    ratio: `${(f.per_task_ms / floors.request_floor_ms).toFixed(2)}× floor per task`,
    goal: f.exactly_once.ok
      ? `exactly once: ${f.exactly_once.tasks_exactly_once}/${f.exactly_once.tasks} tasks`
      : `EXACTLY-ONCE CHECK FAILED: ${f.exactly_once.problems.slice(0, 3).join('; ')}`,
  }));
  const ok = variants.every((f) => f.exactly_once.ok && !f.throughput.timed_out);
  return {
    id: 'B3',
    title: 'end-to-end throughput (two-step runs to completion)',
    status: ok ? 'ok' : 'failed',
    ...(ok ? {} : { reason: 'a run did not complete exactly once (see data)' }),
    rows,
    data: { variants, floor_ms: floors.request_floor_ms },
  };
}
