import type { MetricResult, Row } from '../report.js';
import { BenchStack } from '../stack.js';
import { round, summarize } from '../stats.js';
import { measureFanout, type FanoutCase, type FanoutParams } from '../stream/fanout.js';

const ms2 = (x: number) => x.toFixed(2);

function latencyRow(c: FanoutCase): Row {
  const s = summarize(c.latencies_ms);
  return {
    id: 'B13',
    metric: `stream: commit → event received, ${c.clients} client${c.clients === 1 ? '' : 's'}`,
    value: `p50 ${ms2(s.p50)} / p99 ${ms2(s.p99)} / max ${ms2(s.max)} ms (${s.n} deliveries)`,
    ratio: '',
    goal: 'no goal set (issue 19 asks for the figures)',
  };
}

/**
 * B13: the event stream's fan-out on a private API (no runner): commit → event received at 1 and at
 * N clients, every delivery accounted for, and the API's CPU per connected client per event as the
 * difference to the same load with no client, measured in this invocation.
 */
export async function b13(
  durability: 'full' | 'relaxed',
  keep: boolean,
  p: FanoutParams,
): Promise<MetricResult> {
  const stack = new BenchStack({
    durability,
    label: 'bench-b13',
    apiEnv: { MULTYAGENTS_STREAM_MAX_CLIENTS: String(p.clients + 10) },
  });
  try {
    await stack.startApi();
    const r = await measureFanout(stack, p);
    const streamed = r.cases.filter((c) => c.tally);
    const bad = streamed.filter(
      (c) => c.tally!.missing || c.tally!.duplicated || c.tally!.out_of_order || c.tally!.unexpected,
    );
    const rows: Row[] = streamed.map(latencyRow);
    const sum = (k: 'expected' | 'missing' | 'duplicated' | 'out_of_order') =>
      streamed.reduce((a, c) => a + c.tally![k], 0);
    rows.push({
      id: 'B13',
      metric: 'stream: deliveries missing / duplicated / out of order',
      value: `${sum('missing')} / ${sum('duplicated')} / ${sum('out_of_order')} of ${sum('expected')}`,
      ratio: '',
      goal: 'must be 0 / 0 / 0',
    });
    rows.push({
      id: 'B13',
      metric: `API CPU per event: ${r.cases.map((c) => c.clients).join(' / ')} clients`,
      value: `${r.cases.map((c) => ms2(c.api_cpu_ms_per_event)).join(' / ')} ms`,
      ratio: '',
      goal: `${p.events} events at ${p.rate}/s per case; /proc, 10 ms ticks`,
    });
    rows.push({
      id: 'B13',
      metric: 'API CPU per connected client per event',
      value: `${r.api_cpu_us_per_client_per_event.toFixed(1)} µs`,
      ratio: '',
      goal: `(${p.clients} clients − none) ÷ ${p.clients}`,
    });
    return {
      id: 'B13',
      title: 'event stream fan-out',
      status: bad.length ? 'failed' : 'ok',
      reason: bad.length
        ? `deliveries not exactly once: ${bad.map((c) => `${c.clients} clients ${JSON.stringify(c.tally)}`).join('; ')}`
        : undefined,
      rows,
      data: {
        params: r.params,
        api_cpu_us_per_client_per_event: round(r.api_cpu_us_per_client_per_event),
        cases: r.cases.map(({ latencies_ms, ...c }) => ({
          ...c,
          api_cpu_ms_per_event: round(c.api_cpu_ms_per_event),
          commit_to_event_ms: c.tally ? summarize(latencies_ms) : null,
        })),
      },
    };
  } finally {
    await stack.dispose(keep);
  }
}
