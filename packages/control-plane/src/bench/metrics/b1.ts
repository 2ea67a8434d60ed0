import type { Sample } from '../load.js';
import { pct, xFloor, type Floors, type MetricResult, type Row } from '../report.js';
import type { BenchStack } from '../stack.js';
import { round, summarize } from '../stats.js';
import { runWorker } from '../workers.js';

export interface B1Params {
  templateId: number;
  oneClientCount: number;
  rates: number[];
  durationMs: number;
  /** How long to wait for the last answers of a rate before giving up on them. */
  drainMs: number;
  /** Bound of the one-client phase. */
  oneClientMaxMs: number;
  /** Names the one-client row (e.g. the stack has no runner). */
  oneClientLabel?: string;
}

/** Latencies of answered requests, plus the given-up ones (a lower bound of theirs). */
function latencies(samples: Sample[], from: 'intended' | 'sent') {
  return samples.filter((s) => s.status === 200 || s.error === 'unanswered').map((s) => s.done - s[from]);
}

/** B1: create-run latency, one client (closed loop) and open-loop at fixed rates. */
export async function b1(stack: BenchStack, floors: Floors, p: B1Params): Promise<MetricResult> {
  const rows: Row[] = [];
  const floor = floors.request_floor_ms;
  let oneClient: Record<string, unknown> | null = null;
  if (p.oneClientCount > 0) {
    const one = await runWorker<Sample[]>('closed-loop', {
      url: stack.apiUrl,
      templateId: p.templateId,
      count: p.oneClientCount,
      maxMs: p.oneClientMaxMs,
    });
    const oneSum = summarize(latencies(one, 'sent'));
    oneClient = { requests: one.length, latency_ms: oneSum };
    rows.push({
      id: 'B1',
      metric: `create run, 1 client${p.oneClientLabel ? `, ${p.oneClientLabel}` : ''}`,
      value: pct(oneSum),
      ratio: xFloor(oneSum.p50, floor),
      goal: 'p50 ≤ 1 ms',
    });
  }
  const rates: Record<string, unknown>[] = [];
  for (const rate of p.rates) {
    const samples = await runWorker<Sample[]>('open-loop', {
      url: stack.apiUrl,
      templateId: p.templateId,
      rate,
      durationMs: p.durationMs,
      connections: 64,
      drainMs: p.drainMs,
    });
    const ok = samples.filter((s) => s.status === 200);
    const lat = summarize(latencies(samples, 'intended'));
    const lag = summarize(samples.map((s) => s.sent - s.intended));
    const span = samples.length ? (samples[samples.length - 1].intended - samples[0].intended) / 1000 : 0;
    const unanswered = samples.filter((s) => s.error === 'unanswered').length;
    const errors = samples.length - ok.length - unanswered;
    rates.push({
      rate,
      requests: samples.length,
      ok: ok.length,
      errors,
      unanswered_after_drain: unanswered,
      offered_per_s: span > 0 ? round((samples.length - 1) / span, 1) : null,
      latency_ms: lat,
      generator_send_lag_ms: lag,
    });
    rows.push({
      id: 'B1',
      metric: `create run, open loop ${rate}/s`,
      value:
        pct(lat) +
        (errors ? ` (${errors} errors)` : '') +
        (unanswered ? ` (≥: ${unanswered} unanswered after ${p.drainMs / 1000}s)` : ''),
      ratio: xFloor(lat.p50, floor),
      goal: rate === 500 ? 'p99 ≤ 10 ms at 500/s' : `sender lag p99 ${lag.p99.toFixed(2)} ms`,
    });
  }
  return {
    id: 'B1',
    title: 'create-run latency',
    status: 'ok',
    rows,
    data: { one_client: oneClient, open_loop: rates, floor_ms: floor },
  };
}
