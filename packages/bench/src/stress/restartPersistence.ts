/**
 * `multyagents restart-persistence`: runs are held at each lifecycle point — created, queued on a
 * runner, running, terminal — and at each point the API is restarted twice (kill -9, then SIGTERM).
 * A checkpoint of every run (run status, task statuses and attempts, event counts by type) taken
 * before each restart must equal the one taken after it: acknowledged state survives, and a restart
 * adds no transition of its own. The runner is the scripted probe, which holds attempts across the
 * restarts and answers the API's reconciliation truthfully.
 */
import { isDeepStrictEqual } from 'node:util';
import { sleep } from '../procs.js';
import { Checks, emit, type SuiteReport } from './common.js';
import { ScriptedStack } from './stack.js';

export interface RestartOptions {
  runs: number;
  keep?: boolean;
}

interface Checkpoint {
  run: { id: number; status: string };
  tasks: Array<{ id: number; step_id: string; status: string; attempt: number }>;
  events: Record<string, number>;
}

async function checkpoint(s: ScriptedStack, runIds: number[]): Promise<Checkpoint[]> {
  const out: Checkpoint[] = [];
  for (const id of runIds) {
    const run = await s.api.ok<{ id: number; status: string }>('GET', `/workflow-runs/${id}`);
    const tasks = await s.api.ok<Checkpoint['tasks']>('GET', `/tasks?run_id=${id}`);
    const events = await s.api.ok<Array<{ event_type: string }>>('GET', `/events?run_id=${id}&limit=100000`);
    const counts: Record<string, number> = {};
    for (const e of events) counts[e.event_type] = (counts[e.event_type] ?? 0) + 1;
    out.push({
      run: { id: run.id, status: run.status },
      tasks: tasks.map((t) => ({ id: t.id, step_id: t.step_id, status: t.status, attempt: t.attempt })),
      events: Object.fromEntries(Object.entries(counts).sort()),
    });
  }
  return out;
}

async function waitStatus(s: ScriptedStack, taskIds: number[], status: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await Promise.all(taskIds.map((id) => s.api.ok<{ status: string }>('GET', `/tasks/${id}`)));
    if (all.every((t) => t.status === status)) return;
    if (Date.now() > deadline)
      throw new Error(
        `tasks ${taskIds.join(',')} did not all reach ${status}: ${all.map((t) => t.status).join(',')}`,
      );
    await sleep(20);
  }
}

export async function restartPersistence(o: RestartOptions): Promise<number> {
  const t0 = Date.now();
  const checks = new Checks();
  const s = new ScriptedStack('restart-persistence', 'manual');
  const points: Array<Record<string, unknown>> = [];
  const timings: Record<string, number> = {};
  try {
    await s.start();
    timings.startup_ms = Date.now() - t0;
    const role = await s.api.ok<{ id: number }>('POST', '/roles', { name: 'restart-persistence' });
    const step = (id: string, deps: string[]) => ({
      step_id: id,
      role_id: role.id,
      title: id,
      depends_on: deps,
    });
    const tpl = await s.api.ok<{ id: number }>('POST', '/workflow-templates', {
      name: 'restart-persistence two-step',
      steps: [step('A', []), step('B', ['A'])],
    });
    const runIds: number[] = [];
    for (let i = 0; i < o.runs; i++)
      runIds.push(
        (await s.api.ok<{ id: number }>('POST', '/workflow-runs', { workflow_template_id: tpl.id })).id,
      );
    const firstTasks = async () =>
      Promise.all(
        runIds.map(
          async (id) =>
            (await s.api.ok<Array<{ id: number; step_id: string }>>('GET', `/tasks?run_id=${id}`)).find(
              (t) => t.step_id === 'A',
            )!.id,
        ),
      );
    const A = await firstTasks();
    const atPoint = async (point: string) => {
      for (const how of ['kill -9', 'SIGTERM'] as const) {
        const before = await checkpoint(s, runIds);
        const r0 = Date.now();
        if (how === 'kill -9') await s.stack.api!.kill9();
        else await s.stack.api!.stop();
        await s.stack.startApi();
        const restartMs = Date.now() - r0;
        // Let the restarted API reconcile and run a scheduler pass or two before we look.
        await sleep(500);
        const after = await checkpoint(s, runIds);
        const same = isDeepStrictEqual(before, after);
        points.push({
          point,
          restart: how,
          restart_ms: restartMs,
          equal: same,
          ...(same ? {} : { before, after }),
        });
        checks.add(
          `${point}: state equal across ${how} restart`,
          same,
          same
            ? `${runIds.length} runs, ${before.reduce((n, c) => n + Object.values(c.events).reduce((a, b) => a + b, 0), 0)} events`
            : 'checkpoint changed (see details)',
        );
      }
    };
    await atPoint('created');
    for (const id of runIds) await s.api.ok('POST', `/workflow-runs/${id}/dispatch-ready`);
    const subsA = await Promise.all(runIds.map((id) => s.inbox.next(id)));
    await waitStatus(s, A, 'queued');
    await atPoint('queued');
    for (const sub of subsA) await s.probe.report(sub.task_id, sub.attempt, 'running');
    await waitStatus(s, A, 'running');
    await atPoint('running');
    for (const sub of subsA) await s.probe.report(sub.task_id, sub.attempt, 'success');
    for (const id of runIds) await s.api.ok('POST', `/workflow-runs/${id}/dispatch-ready`);
    for (const id of runIds) {
      const b = await s.inbox.next(id);
      await s.probe.report(b.task_id, b.attempt, 'running');
      await s.probe.report(b.task_id, b.attempt, 'success');
    }
    const runs = await Promise.all(
      runIds.map((id) => s.api.ok<{ status: string }>('GET', `/workflow-runs/${id}`)),
    );
    checks.add(
      'runs reached success',
      runs.every((r) => r.status === 'success'),
      runs.map((r) => r.status).join(','),
    );
    await atPoint('terminal');
    timings.total_ms = Date.now() - t0;
  } catch (err) {
    checks.add('suite ran to the end', false, (err as Error).message);
  } finally {
    await s.dispose(o.keep);
  }
  const report: SuiteReport = {
    suite: 'restart-persistence',
    overall_status: checks.ok ? 'pass' : 'fail',
    config: {
      runs: o.runs,
      restarts_per_point: ['kill -9', 'SIGTERM'],
      api: 'manual dispatch, scripted runner',
    },
    checks: checks.list,
    summary: {
      restarts: points.length,
      points_equal: points.filter((p) => p.equal).length,
      restart_ms: points.map((p) => p.restart_ms),
      http_status_counts: s.api?.statusCounts() ?? {},
    },
    timings_ms: { ...timings, total_ms: Date.now() - t0 },
    stack: { data_dir: s.stack.dir, kept: Boolean(o.keep) },
    details: { points },
  };
  return emit(report);
}
