/**
 * `multyagents stress-smoke`: N diamond runs (plan → build, test → report) with P in flight at once,
 * through real `multyagents runner` processes spawning the mock agent. All must succeed, every task
 * dispatched once and executed once (effect ledger), in dependency order.
 */
import { readLedger } from '@multyagents/control-plane/internal/executors/ledger.js';
import { sleep } from '../procs.js';
import { BenchStack } from '../stack.js';
import { round, summarize } from '../stats.js';
import { Checks, emit, TrackedClient, type SuiteReport } from './common.js';

export interface SmokeOptions {
  runs: number;
  parallelism: number;
  runners: number;
  durationMs: number;
  keep?: boolean;
}

interface TaskView {
  id: number;
  step_id: string;
  status: string;
  attempt: number;
  started_at: string | null;
  finished_at: string | null;
}

const DEPS: Record<string, string[]> = {
  plan: [],
  build: ['plan'],
  test: ['plan'],
  report: ['build', 'test'],
};

export async function stressSmoke(o: SmokeOptions): Promise<number> {
  const t0 = Date.now();
  const checks = new Checks();
  const stack = new BenchStack({ label: 'stress-smoke' });
  let api: TrackedClient | null = null;
  const perRun: Array<{ run_id: number; status: string; duration_ms: number; dispatches: number }> = [];
  const problems: string[] = [];
  const timings: Record<string, number> = {};
  try {
    await stack.startApi();
    for (let i = 0; i < o.runners; i++) await stack.addRunner({ capacity: 4 });
    timings.startup_ms = Date.now() - t0;
    api = new TrackedClient(stack.apiUrl, 16);
    const c = api;
    const role = await c.ok<{ id: number }>('POST', '/roles', { name: 'stress-smoke' });
    const mock = { mock: { duration_ms: o.durationMs, exit_code: 0, lines: ['stress-smoke'] } };
    const tpl = await c.ok<{ id: number }>('POST', '/workflow-templates', {
      name: 'stress-smoke diamond',
      steps: Object.entries(DEPS).map(([id, deps]) => ({
        step_id: id,
        role_id: role.id,
        title: id,
        depends_on: deps,
        executor_params: mock,
      })),
    });
    const t1 = Date.now();
    let next = 0;
    const slot = async () => {
      while (next < o.runs) {
        next++;
        const started = Date.now();
        const run = await c.ok<{ id: number }>('POST', '/workflow-runs', { workflow_template_id: tpl.id });
        let status = 'created';
        while (!['success', 'failed', 'aborted'].includes(status) && Date.now() - started < 120_000) {
          await sleep(50);
          status = (await c.ok<{ status: string }>('GET', `/workflow-runs/${run.id}`)).status;
        }
        perRun.push({ run_id: run.id, status, duration_ms: Date.now() - started, dispatches: 0 });
      }
    };
    await Promise.all(Array.from({ length: o.parallelism }, slot));
    timings.wall_ms = Date.now() - t1;
    const ledger = new Map<number, number>();
    for (const r of stack.runners)
      for (const l of readLedger(r.ledger)) ledger.set(l.task_id, (ledger.get(l.task_id) ?? 0) + 1);
    for (const r of perRun) {
      const tasks = await c.ok<TaskView[]>('GET', `/tasks?run_id=${r.run_id}`);
      const dispatched = await c.ok<unknown[]>(
        'GET',
        `/events?run_id=${r.run_id}&event_type=task.dispatched&limit=1000`,
      );
      r.dispatches = dispatched.length;
      if (r.status !== 'success') problems.push(`run ${r.run_id} ended ${r.status}`);
      if (dispatched.length !== 4)
        problems.push(`run ${r.run_id}: ${dispatched.length} dispatches for 4 steps`);
      const by = new Map(tasks.map((t) => [t.step_id, t]));
      for (const t of tasks) {
        if (t.status !== 'success' || t.attempt !== 1)
          problems.push(`task ${t.id} (${t.step_id}) ${t.status} attempt ${t.attempt}`);
        if ((ledger.get(t.id) ?? 0) !== 1)
          problems.push(`task ${t.id} (${t.step_id}) executed ${ledger.get(t.id) ?? 0} times`);
        for (const d of DEPS[t.step_id] ?? []) {
          const dep = by.get(d);
          if (dep?.finished_at && t.started_at && Date.parse(t.started_at) < Date.parse(dep.finished_at))
            problems.push(`task ${t.id} (${t.step_id}) started before ${d} finished`);
        }
      }
    }
  } catch (err) {
    checks.add('suite ran to the end', false, (err as Error).message);
  } finally {
    await stack.dispose(o.keep);
  }
  const ok = perRun.filter((r) => r.status === 'success').length;
  checks.add(
    'all runs succeeded',
    perRun.length === o.runs && ok === o.runs,
    `${ok} of ${o.runs} runs succeeded`,
  );
  checks.add(
    'each step dispatched once and executed once, in order',
    problems.length === 0,
    problems.length ? problems.slice(0, 5).join('; ') : `${o.runs * 4} tasks`,
  );
  checks.add(
    'no 5xx',
    api !== null && api.count5xx() === 0 && api.transportErrors === 0,
    api ? `${api.count5xx()} 5xx, ${api.transportErrors} failed requests` : 'no client',
  );
  const durations = summarize(perRun.map((r) => r.duration_ms));
  const report: SuiteReport = {
    suite: 'stress-smoke',
    overall_status: checks.ok ? 'pass' : 'fail',
    config: {
      runs: o.runs,
      parallelism: o.parallelism,
      runners: o.runners,
      mock_duration_ms: o.durationMs,
      executor: 'mock (spawned agent)',
    },
    checks: checks.list,
    summary: {
      wall_ms: timings.wall_ms ?? null,
      runs_per_s: timings.wall_ms ? round(perRun.length / (timings.wall_ms / 1000), 2) : null,
      run_duration_ms: durations,
      dispatch_counts: perRun.reduce<Record<string, number>>(
        (m, r) => ({ ...m, [r.dispatches]: (m[r.dispatches] ?? 0) + 1 }),
        {},
      ),
      http_status_counts: api?.statusCounts() ?? {},
    },
    timings_ms: { ...timings, total_ms: Date.now() - t0 },
    stack: { data_dir: stack.dir, kept: Boolean(o.keep) },
    details: { runs: perRun, ...(problems.length ? { problems: problems.slice(0, 50) } : {}) },
  };
  await api?.close();
  return emit(report);
}
