import { wallMs } from '../clock.js';
import type { Sample } from '../load.js';
import { ms, xFloor, type Floors, type MetricResult } from '../report.js';
import { sleep } from '../procs.js';
import type { BenchStack } from '../stack.js';
import { round } from '../stats.js';
import { eventsOfType, missingRuns } from '../verify.js';
import { startWorker } from '../workers.js';

export interface B4Params {
  templateId: number;
  rate: number;
  killAfterMs: number;
  durationMs: number;
}

/**
 * B4: under open-loop create load, `kill -9` the API and start it again at once (as a supervisor
 * would). Measured from the moment the killed process is gone: first healthy answer, first accepted
 * create, first dispatch of a task that existed before the kill; then every run whose create was
 * acknowledged before the kill must still be there.
 */
export async function b4(stack: BenchStack, floors: Floors, p: B4Params): Promise<MetricResult> {
  const load = startWorker<Sample[]>('open-loop', {
    url: stack.apiUrl,
    templateId: p.templateId,
    rate: p.rate,
    durationMs: p.durationMs,
    connections: 32,
    drainMs: 30_000,
  });
  await sleep(p.killAfterMs);
  await stack.api!.kill9();
  const killedAt = wallMs();
  const restart = await stack.startApi();
  const healthyAt = wallMs();
  const samples = await load.result;

  const before = samples.filter((s) => s.status === 200 && s.done < killedAt);
  const firstAccepted = samples
    .filter((s) => s.status === 200 && s.sent > killedAt)
    .reduce((m, s) => Math.min(m, s.done), Infinity);
  const failed = samples.filter((s) => s.status !== 200);
  // The restarted API logs api.started; its first task.dispatched for a run created before the kill.
  const starts = await eventsOfType(stack.client, 'api.started');
  const restartEvent = starts[starts.length - 1];
  const maxRunBefore = Math.max(0, ...before.map((s) => s.run_id ?? 0));
  const dispatched = await eventsOfType(stack.client, 'task.dispatched', restartEvent?.id ?? 0);
  const firstInflight = dispatched.find((e) => e.run_id !== null && e.run_id <= maxRunBefore);
  const firstDispatchMs = firstInflight ? Date.parse(firstInflight.created_at) - killedAt : null;
  const missing = await missingRuns(
    stack.client,
    before.map((s) => s.run_id!),
  );
  const lost = missing.length;
  const figures = {
    kill_to_healthy_ms: round(healthyAt - killedAt, 1),
    spawn_to_healthy_ms: round(restart.spawnToHealthyMs, 1),
    kill_to_first_accepted_create_ms: Number.isFinite(firstAccepted)
      ? round(firstAccepted - killedAt, 1)
      : null,
    kill_to_first_inflight_dispatch_ms: firstDispatchMs === null ? null : round(firstDispatchMs, 1),
    acknowledged_before_kill: before.length,
    lost_acknowledged_runs: lost,
    lost_run_ids: missing.slice(0, 50),
    requests: samples.length,
    requests_failed_during_outage: failed.length,
    load_rate_per_s: p.rate,
    note: 'first dispatch is read from the event timestamp (ms resolution)',
  };
  const floor = floors.request_floor_ms;
  return {
    id: 'B4',
    title: 'recovery after API kill -9 under load',
    status: lost === 0 ? 'ok' : 'failed',
    ...(lost === 0 ? {} : { reason: `${lost} acknowledged run(s) lost` }),
    rows: [
      {
        id: 'B4',
        metric: 'kill -9 → first healthy answer',
        value: `${ms(figures.kill_to_healthy_ms, 1)} (spawn → healthy ${ms(figures.spawn_to_healthy_ms, 1)})`,
        ratio: xFloor(figures.kill_to_healthy_ms, floor),
        goal: '≤ 0.5 s',
      },
      {
        id: 'B4',
        metric: 'kill -9 → first accepted create',
        value: ms(figures.kill_to_first_accepted_create_ms, 1),
        ratio: xFloor(figures.kill_to_first_accepted_create_ms, floor),
        goal: '≤ 1 s',
      },
      {
        id: 'B4',
        metric: 'kill -9 → first dispatch of an in-flight task',
        value: ms(figures.kill_to_first_inflight_dispatch_ms, 0),
        ratio: xFloor(figures.kill_to_first_inflight_dispatch_ms, floor),
        goal: '≤ 1 s + lease',
      },
      {
        id: 'B4',
        metric: 'acknowledged runs lost',
        value: `${lost} of ${before.length}`,
        ratio: '',
        goal: '0 lost',
      },
    ],
    data: figures,
  };
}
