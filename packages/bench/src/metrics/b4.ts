import { wallMs } from '../clock.js';
import type { Sample } from '../load.js';
import { ms, xFloor, type Floors, type MetricResult } from '../report.js';
import { sleep } from '../procs.js';
import type { BenchStack } from '../stack.js';
import { round } from '../stats.js';
import { missingRuns } from '../verify.js';
import { withSlowRoots } from '../workloads.js';
import { startWorker } from '../workers.js';
import { inflightAtKill } from './b4Inflight.js';

export interface B4Params {
  /** The workload; B4 runs a copy whose root steps last `stepMs` (see withSlowRoots). */
  templateId: number;
  rate: number;
  killAfterMs: number;
  durationMs: number;
  stepMs: number;
}

/**
 * B4: under open-loop create load, `kill -9` the API and start it again at once (as a supervisor
 * would). Each run's first step lasts `stepMs` on the runner, so at the kill there are attempts
 * running with their successors waiting. Measured from the moment the killed process is gone: first
 * healthy answer, first accepted create, first dispatch of a successor of a task that was in flight at
 * the kill (the runner's report of it must reach the restarted API first); then every run whose create
 * was acknowledged before the kill must still be there. No task in flight at the kill, or one whose
 * report never arrives, fails the metric: it did not measure what it says.
 */
export async function b4(stack: BenchStack, floors: Floors, p: B4Params): Promise<MetricResult> {
  const templateId = await withSlowRoots(stack.client, p.templateId, p.stepMs);
  const load = startWorker<Sample[]>('open-loop', {
    url: stack.apiUrl,
    templateId,
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
  const inflight = await inflightAtKill(stack.client, 30_000);
  const firstDispatchMs =
    inflight.firstSuccessorDispatchAt === null ? null : inflight.firstSuccessorDispatchAt - killedAt;
  const reportTimes = [...inflight.reportAt.values()];
  // Held: finished on the runner before the API answered again, so its report waited in the outbox.
  const held = inflight.tasks.filter((t) => (inflight.finishedAt.get(t) ?? Infinity) < healthyAt);
  const heldReports = held.map((t) => inflight.reportAt.get(t)).filter((x) => x !== undefined);
  const missing = await missingRuns(
    stack.client,
    before.map((s) => s.run_id!),
  );
  const lost = missing.length;
  const problems: string[] = [];
  if (lost > 0) problems.push(`${lost} acknowledged run(s) lost`);
  if (inflight.tasks.length === 0)
    problems.push('no task was in flight at the kill: recovery of in-flight work was not measured');
  else if (inflight.reported < inflight.tasks.length)
    problems.push(
      `${inflight.tasks.length - inflight.reported} in-flight task(s) never reported after the restart`,
    );
  else if (firstDispatchMs === null) problems.push('no successor of an in-flight task was dispatched');
  const figures = {
    kill_to_healthy_ms: round(healthyAt - killedAt, 1),
    spawn_to_healthy_ms: round(restart.spawnToHealthyMs, 1),
    kill_to_first_accepted_create_ms: Number.isFinite(firstAccepted)
      ? round(firstAccepted - killedAt, 1)
      : null,
    kill_to_first_inflight_dispatch_ms: firstDispatchMs === null ? null : round(firstDispatchMs, 1),
    inflight_at_kill: inflight.tasks.length,
    inflight_reported_after_restart: inflight.reported,
    inflight_successors_dispatched: inflight.successorsDispatched,
    kill_to_first_inflight_report_ms: reportTimes.length
      ? round(Math.min(...reportTimes) - killedAt, 1)
      : null,
    held_during_outage: held.length,
    healthy_to_last_held_report_ms: heldReports.length
      ? round(Math.max(...heldReports) - healthyAt, 1)
      : null,
    step_ms: p.stepMs,
    acknowledged_before_kill: before.length,
    lost_acknowledged_runs: lost,
    lost_run_ids: missing.slice(0, 50),
    requests: samples.length,
    requests_failed_during_outage: failed.length,
    load_rate_per_s: p.rate,
    note:
      'in flight = dispatched and not reported terminal before the restart; held = finished on the ' +
      'runner before the API answered again. Event timestamps have ms resolution.',
  };
  const floor = floors.request_floor_ms;
  return {
    id: 'B4',
    title: 'recovery after API kill -9 under load',
    status: problems.length === 0 ? 'ok' : 'failed',
    ...(problems.length === 0 ? {} : { reason: problems.join('; ') }),
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
        value:
          inflight.tasks.length === 0
            ? 'NOT MEASURED: nothing in flight at the kill'
            : `${ms(figures.kill_to_first_inflight_dispatch_ms, 0)} (${inflight.tasks.length} in flight at the kill)`,
        ratio: xFloor(figures.kill_to_first_inflight_dispatch_ms, floor),
        goal: '≤ 1 s (lease = 0: no lease, see docs)',
      },
      {
        id: 'B4',
        metric: 'API healthy → last report held in the outage applied',
        value:
          held.length === 0
            ? 'none held'
            : `${ms(figures.healthy_to_last_held_report_ms, 0)} (${held.length} held, ${inflight.reported} of ${inflight.tasks.length} in-flight reported)`,
        ratio: '',
        goal: 'runner probes the API every 100 ms',
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
