import { sqliteCommit } from '../floors.js';
import type { Floors } from '../report.js';
import { round, type Summary } from '../stats.js';
import { runWorker, startWorker } from '../workers.js';

/** The floors, measured first on an idle machine: loopback RTT between two processes, one commit. */
export async function floorsPhase(samples: number): Promise<Floors> {
  const server = startWorker<{ port: number }>('trivial-server', {});
  let rtt: Summary;
  try {
    const { port } = await server.result;
    rtt = await runWorker<Summary>('rtt', { url: `http://127.0.0.1:${port}`, samples });
  } finally {
    server.child.disconnect();
  }
  const full = sqliteCommit(samples, 'full');
  const normal = sqliteCommit(samples, 'relaxed');
  return {
    loopback_http_rtt_ms: rtt,
    sqlite_commit_full_ms: full,
    sqlite_commit_normal_ms: normal,
    request_floor_ms: round(rtt.p50 + full.p50, 3),
  };
}
