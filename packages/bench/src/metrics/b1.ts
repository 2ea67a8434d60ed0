import os from 'node:os';
import type { Sample } from '../load.js';
import { cpuMs } from '../machine.js';
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
  /**
   * Warm-up, not counted: creates sent by one client before the one-client loop, and the first
   * `warmupMs` of each rate (the same generator goes on at the same rate; the window counted starts
   * after it). Fresh processes are slower per request for their first seconds (code not yet
   * optimized by V8, the generator's 64 connections being opened); at 500/s that builds, in the first
   * second, a backlog that takes seconds to drain (measured on a 2-vCPU VM: p99 224 ms in the first
   * 10 s on a fresh stack, 30 ms in the next 10 s on the same stack). The warm-up's own figures are
   * reported too (the cold-start row at 500/s, all of them in the JSON): start-up is told apart, not
   * hidden.
   */
  oneClientWarmup: number;
  warmupMs: number;
}

/**
 * An open-loop run's samples (in intended-time order) split at `warmupMs` after the first intended
 * send: the warm-up, then the window that counts. By intended time, not by answer: a request due
 * in the warm-up counts there however late its answer came.
 */
export function splitWarmup(samples: readonly Sample[], warmupMs: number) {
  const start = samples.length ? samples[0].intended : 0;
  const n = samples.findIndex((s) => s.intended - start >= warmupMs);
  const cut = n < 0 ? samples.length : n;
  return { warm: samples.slice(0, cut), counted: samples.slice(cut) };
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
    const pids = { api: stack.api!.pid, runners: stack.runners.map((r) => r.child.pid) };
    const closedLoop = (count: number) =>
      runWorker<Sample[]>('closed-loop', {
        url: stack.apiUrl,
        templateId: p.templateId,
        count,
        maxMs: p.oneClientMaxMs,
      });
    if (p.oneClientWarmup) await closedLoop(p.oneClientWarmup);
    const cpuBefore = cpuOf(pids);
    const one = await closedLoop(p.oneClientCount);
    const oneSum = summarize(latencies(one, 'sent'));
    const cpu = cpuPerRun(cpuBefore, cpuOf(pids), one.length);
    oneClient = { requests: one.length, latency_ms: oneSum, cpu_ms_per_run: cpu };
    rows.push({
      id: 'B1',
      metric: `create run, 1 client${p.oneClientLabel ? `, ${p.oneClientLabel}` : ''}`,
      value: pct(oneSum),
      ratio: xFloor(oneSum.p50, floor),
      goal: 'p50 ≤ 1 ms',
    });
    if (cpu) rows.push(cpuRow(cpu, p.oneClientLabel));
  }
  const rates: Record<string, unknown>[] = [];
  for (const rate of p.rates) {
    const { warmupMs } = p;
    const all = await runWorker<Sample[]>('open-loop', {
      url: stack.apiUrl,
      templateId: p.templateId,
      rate,
      durationMs: warmupMs + p.durationMs,
      connections: 64,
      drainMs: p.drainMs,
    });
    const { warm, counted: samples } = splitWarmup(all, warmupMs);
    const coldLat = summarize(latencies(warm, 'intended'));
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
      warmup: { ms: warmupMs, requests: warm.length, latency_ms: coldLat },
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
    // Start-up told apart, not hidden: the goal's rate in its first seconds on a fresh stack.
    if (rate === 500 && warm.length)
      rows.push({
        id: 'B1',
        metric: `  its first ${warmupMs / 1000} s on a fresh stack (warm-up, not counted above)`,
        value: pct(coldLat),
        ratio: xFloor(coldLat.p50, floor),
        goal: 'cold start (fresh processes)',
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

interface CpuPerRun {
  api: number;
  runners: number | null;
  /** What the loop cannot beat when every run's work happens between two creates: CPU ÷ cores. */
  bound_ms: number;
}

function cpuOf(pids: { api: number; runners: number[] }) {
  const runners = pids.runners.map(cpuMs);
  return {
    api: cpuMs(pids.api),
    runners:
      runners.length === 0 || runners.some((x) => x === null)
        ? null
        : runners.reduce<number>((a, b) => a + b!, 0),
  };
}

/**
 * CPU each process spent per create during the one-client loop (from /proc, so it hardly depends on
 * what else runs). With a runner, the loop is CPU-bound on a small machine: each run's pipeline
 * (two submits, two reports, five commits) runs beside the next create.
 */
function cpuPerRun(a: ReturnType<typeof cpuOf>, b: ReturnType<typeof cpuOf>, runs: number): CpuPerRun | null {
  if (a.api === null || b.api === null || runs === 0) return null;
  const api = (b.api - a.api) / runs;
  const runners = a.runners === null || b.runners === null ? null : (b.runners - a.runners) / runs;
  const cores = os.cpus().length;
  return {
    api: round(api, 3),
    runners: runners === null ? null : round(runners, 3),
    bound_ms: round((api + (runners ?? 0)) / cores, 3),
  };
}

function cpuRow(cpu: CpuPerRun, label?: string): Row {
  const runner = cpu.runners === null ? '' : ` + runner ${cpu.runners.toFixed(2)}`;
  return {
    id: 'B1',
    metric: `  CPU per run in that loop${label ? ' (API alone)' : ''}`,
    value: `API ${cpu.api.toFixed(2)}${runner} ms`,
    ratio: '',
    goal: `÷ ${os.cpus().length} cores = ${cpu.bound_ms.toFixed(2)} ms per run at best`,
  };
}
