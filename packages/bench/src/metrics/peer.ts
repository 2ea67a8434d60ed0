import type { PeerResult } from '../peer/graphile.js';
import { pct, type MetricResult, type Row } from '../report.js';
import type { Summary } from '../stats.js';
import { runWorker } from '../workers.js';

export interface PeerParams {
  latencySamples: number;
  throughputJobs: number;
  concurrency: number[];
}

/** Connection strings tried in order (trust auth on loopback; database `test`). */
export const PEER_URLS = ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

export async function peerPhase(p: PeerParams): Promise<PeerResult> {
  return runWorker<PeerResult>('peer-graphile', {
    adminUrls: PEER_URLS,
    latencySamples: p.latencySamples,
    throughputJobs: p.throughputJobs,
    throughputConcurrency: p.concurrency,
  }).catch((err: Error) => ({ status: 'skipped' as const, peer: 'graphile-worker', reason: err.message }));
}

export interface OurFigures {
  b2FromAck: Summary | null;
  b3TasksPerS: number | null;
}

/** The peer's own rows and ours as ratios to it (ours / peer for latency; ours / peer for rates). */
export function peerResult(r: PeerResult, ours: OurFigures): MetricResult {
  if (r.status !== 'ok') {
    return {
      id: 'PEER',
      title: 'graphile-worker 0.17.3 (peer)',
      status: 'skipped',
      reason: r.reason,
      rows: [{ id: 'PEER', metric: 'graphile-worker 0.17.3', value: 'SKIPPED', ratio: '', goal: r.reason }],
      data: { peer: r },
    };
  }
  const def = r.throughput.find((t) => t.concurrency === 1) ?? r.throughput[0];
  const rows: Row[] = [
    {
      id: 'PEER',
      metric: `graphile-worker ${r.version}: addJob returned → task start`,
      value: pct(r.latency_from_return),
      ratio: '',
      goal: `PostgreSQL ${r.server_version}, concurrency 1`,
    },
    ...r.throughput.map((t) => ({
      id: 'PEER',
      metric: `graphile-worker ${r.version}: no-op jobs/s, ${t.settings}`,
      value: `${t.jobs_per_s} jobs/s (${t.jobs} jobs)`,
      ratio: '',
      goal: '',
    })),
  ];
  const comparisons: Record<string, number | null> = {
    b2_p50_over_peer_p50: null,
    b2_p99_over_peer_p99: null,
    b3_tasks_per_s_over_peer_jobs_per_s: null,
  };
  if (ours.b2FromAck) {
    comparisons.b2_p50_over_peer_p50 = ratio2(ours.b2FromAck.p50, r.latency_from_return.p50);
    comparisons.b2_p99_over_peer_p99 = ratio2(ours.b2FromAck.p99, r.latency_from_return.p99);
    rows.push({
      id: 'B2/PEER',
      metric: 'our dispatch latency ÷ peer enqueue→start',
      value: `p50 ${comparisons.b2_p50_over_peer_p50}× / p99 ${comparisons.b2_p99_over_peer_p99}×`,
      ratio: '',
      goal: '≤ 1× (no worse than the peer)',
    });
  }
  if (ours.b3TasksPerS !== null && def) {
    comparisons.b3_tasks_per_s_over_peer_jobs_per_s = ratio2(ours.b3TasksPerS, def.jobs_per_s);
    rows.push({
      id: 'B3/PEER',
      metric: `our tasks/s ÷ peer jobs/s (${def.settings})`,
      value: `${comparisons.b3_tasks_per_s_over_peer_jobs_per_s}×`,
      ratio: '',
      goal: '≥ 1×',
    });
  }
  return {
    id: 'PEER',
    title: 'graphile-worker 0.17.3 (peer)',
    status: 'ok',
    rows,
    data: { peer: r, comparisons },
  };
}

const ratio2 = (a: number, b: number): number | null => (b > 0 ? Math.round((a / b) * 100) / 100 : null);
