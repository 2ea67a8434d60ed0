/**
 * `multyagents race-stress`: many concurrent clients race the same run over HTTP against a real API
 * process in manual dispatch mode — dispatch (task and dispatch-ready), approval vs dispatch, pause vs
 * dispatch, duplicated and stale runner reports — then the invariants are checked on the API's own
 * audit trail: each task dispatched exactly once per attempt, one event per transition, no illegal
 * status, no dispatch before approval or while paused, no 5xx.
 */
import type { Submit } from '../probeRunner.js';
import { Checks, emit, race, seeded, shuffle, type SuiteReport, type TrackedClient } from './common.js';
import { auditTasks, pauseProblems, taskProblems, type AuditEvent } from './invariants.js';
import { gatedDiamond, runTasks, ScriptedStack } from './stack.js';

export interface RaceOptions {
  rounds: number;
  clients: number;
  seed: number;
  keep?: boolean;
}

interface Tally {
  dispatchWins: Map<number, number>;
  reports: number;
  refusals: Record<string, number>;
}

type DispatchAnswer = {
  dispatched?: boolean;
  task_id?: number | null;
  runner_submission?: { submitted?: boolean };
};

/** Who won a dispatch race: answers that say this call dispatched `taskId`. */
function countWin(tally: Tally, path: string, status: number, body: DispatchAnswer, taskId?: number): void {
  if (status !== 200) return;
  const won = path.endsWith('/dispatch-ready')
    ? body.dispatched && body.task_id
    : body.runner_submission?.submitted && taskId;
  if (won) tally.dispatchWins.set(won, (tally.dispatchWins.get(won) ?? 0) + 1);
}

async function dispatchCall(api: TrackedClient, tally: Tally, path: string, taskId?: number) {
  const r = await api.call<DispatchAnswer & { code?: string }>('POST', path);
  countWin(tally, path, r.status, r.body ?? {}, taskId);
  if (r.status === 409)
    tally.refusals[r.body?.code ?? '409'] = (tally.refusals[r.body?.code ?? '409'] ?? 0) + 1;
  return r.status;
}

/** Race duplicated reports (running, terminal, a stale attempt) for one submitted attempt. */
async function raceReports(
  s: ScriptedStack,
  tally: Tally,
  sub: Submit,
  copies: number,
  random: () => number,
) {
  const body = (status: string, attempt = sub.attempt) => ({
    status,
    attempt,
    exit_code: status === 'success' ? 0 : undefined,
    finished_at: status === 'running' ? undefined : new Date().toISOString(),
  });
  const calls = [
    ...Array.from({ length: copies }, () => () => s.probe.reportRaw(sub.task_id, body('running'))),
    ...Array.from({ length: copies }, () => () => s.probe.reportRaw(sub.task_id, body('success'))),
    () => s.probe.reportRaw(sub.task_id, body('success', sub.attempt + 1)),
  ];
  const out = await race(shuffle(calls, random));
  for (const o of out) {
    if (o instanceof Error) throw o;
    tally.reports++;
    if (o.status >= 500) throw new Error(`runner report answered ${o.status}`);
    const code = (o.body as { code?: string } | null)?.code;
    if (o.status === 409) tally.refusals[code ?? '409'] = (tally.refusals[code ?? '409'] ?? 0) + 1;
  }
  s.probe.held.set(sub.task_id, {
    task_id: sub.task_id,
    attempt: sub.attempt,
    status: 'success',
    reported: true,
  });
}

/** Dispatch-ready until nothing is ready; every submit gets its duplicated reports. */
async function drive(s: ScriptedStack, tally: Tally, runId: number, clients: number, random: () => number) {
  for (let guard = 0; guard < 50; guard++) {
    const before = tally.dispatchWins.size;
    const answers = await race(
      Array.from(
        { length: Math.max(2, clients / 4) },
        () => () => dispatchCall(s.api, tally, `/workflow-runs/${runId}/dispatch-ready`),
      ),
    );
    const failed = answers.find((x) => x instanceof Error);
    if (failed) throw failed;
    let progressed = tally.dispatchWins.size > before;
    let sub: Submit | undefined;
    while ((sub = s.inbox.take(runId))) {
      await raceReports(s, tally, sub, Math.max(2, clients / 4), random);
      progressed = true;
    }
    if (!progressed) {
      // Nothing moved: wait briefly for a submit still in flight, else the run is as far as it goes.
      const late = await s.inbox.next(runId, 300).catch(() => null);
      if (!late) return;
      await raceReports(s, tally, late, 2, random);
    }
  }
}

async function round(
  s: ScriptedStack,
  tally: Tally,
  templateId: number,
  i: number,
  o: RaceOptions,
  random: () => number,
) {
  const run = await s.api.ok<{ id: number }>('POST', '/workflow-runs', { workflow_template_id: templateId });
  const tasks = await runTasks(s.api, run.id);
  const plan = tasks.get('plan')!;
  const build = tasks.get('build')!;
  const test = tasks.get('test')!;
  // 1. Everyone dispatches the one ready task, through both endpoints.
  await race(
    shuffle(
      Array.from(
        { length: o.clients },
        (_, k) => () =>
          k % 2
            ? dispatchCall(s.api, tally, `/tasks/${plan.id}/dispatch`, plan.id)
            : dispatchCall(s.api, tally, `/workflow-runs/${run.id}/dispatch-ready`),
      ),
      random,
    ),
  );
  const first = await s.inbox.next(run.id);
  // 2. Duplicated, reordered and stale reports for it.
  await raceReports(s, tally, first, Math.max(2, o.clients / 4), random);
  // 3. Approval (or rejection) of the gated step against dispatches of it and of its sibling.
  const approval = await s.api.ok<{ id: number }>('GET', `/tasks/${build.id}/approval`);
  const decision = i % 3 === 2 ? 'reject' : 'approve';
  const calls: Array<() => Promise<unknown>> = [
    () => s.api.call('POST', `/approvals/${approval.id}/${decision}`, { actor: `client-${i}` }),
    () => s.api.call('POST', `/approvals/${approval.id}/${decision}`, { actor: `client-${i}-dup` }),
    ...Array.from(
      { length: o.clients },
      (_, k) => () =>
        k % 3 === 0
          ? dispatchCall(s.api, tally, `/tasks/${build.id}/dispatch`, build.id)
          : k % 3 === 1
            ? dispatchCall(s.api, tally, `/tasks/${test.id}/dispatch`, test.id)
            : dispatchCall(s.api, tally, `/workflow-runs/${run.id}/dispatch-ready`),
    ),
  ];
  await race(shuffle(calls, random));
  // 4. On even rounds: pause races the dispatches, then resume.
  if (i % 2 === 0) {
    await race(
      shuffle<() => Promise<unknown>>(
        [
          () => s.api.call('POST', `/workflow-runs/${run.id}/pause`, { actor: 'race' }),
          ...Array.from(
            { length: o.clients / 2 },
            () => () => dispatchCall(s.api, tally, `/workflow-runs/${run.id}/dispatch-ready`),
          ),
        ],
        random,
      ),
    );
    await s.api.call('POST', `/workflow-runs/${run.id}/resume`, { actor: 'race' });
  }
  await drive(s, tally, run.id, o.clients, random);
  return { runId: run.id, decision, taskIds: [...tasks.values()].map((t) => t.id) };
}

export async function raceStress(o: RaceOptions): Promise<number> {
  const t0 = Date.now();
  const random = seeded(o.seed);
  const checks = new Checks();
  const s = new ScriptedStack('race-stress', 'manual');
  const tally: Tally = { dispatchWins: new Map(), reports: 0, refusals: {} };
  const rounds: Array<{ runId: number; decision: string; taskIds: number[] }> = [];
  const timings: Record<string, number> = {};
  let problems: string[] = [];
  const finalRuns: Array<{ id: number; status: string }> = [];
  try {
    await s.start();
    timings.startup_ms = Date.now() - t0;
    const templateId = await gatedDiamond(s.api, 'race-stress diamond');
    const t1 = Date.now();
    for (let i = 0; i < o.rounds; i++) rounds.push(await round(s, tally, templateId, i, o, random));
    timings.races_ms = Date.now() - t1;
    const t2 = Date.now();
    for (const r of rounds) {
      const audits = await auditTasks(s.api, r.taskIds);
      for (const a of audits) problems.push(...taskProblems(a));
      const events = await s.api.ok<AuditEvent[]>('GET', `/events?run_id=${r.runId}&limit=100000`);
      problems.push(...pauseProblems(r.runId, events));
      const byStep = new Map(audits.map((a) => [a.task.step_id, a]));
      const run = await s.api.ok<{ id: number; status: string }>('GET', `/workflow-runs/${r.runId}`);
      finalRuns.push({ id: run.id, status: run.status });
      if (r.decision === 'approve') {
        if (run.status !== 'success') problems.push(`run ${r.runId} (approved) ended ${run.status}`);
        for (const a of audits)
          if (a.task.status !== 'success' || a.task.attempt !== 1)
            problems.push(`run ${r.runId}: task ${a.task_id} ${a.task.status} attempt ${a.task.attempt}`);
      } else {
        const b = byStep.get('build');
        if (b && (b.task.status !== 'canceled' || b.attempts.length !== 0))
          problems.push(
            `run ${r.runId} (rejected): build is ${b.task.status} with ${b.attempts.length} attempts`,
          );
        const rep = byStep.get('report');
        if (rep && rep.attempts.length !== 0)
          problems.push(`run ${r.runId} (rejected): report was dispatched`);
      }
    }
    timings.checks_ms = Date.now() - t2;
  } catch (err) {
    checks.add('suite ran to the end', false, (err as Error).message);
  } finally {
    await s.dispose(o.keep);
  }
  problems = problems.slice(0, 50);
  const wins = [...tally.dispatchWins.values()];
  checks.add(
    'no 5xx',
    s.api?.count5xx() === 0 && (s.api?.transportErrors ?? 1) === 0,
    s.api
      ? `${s.api.count5xx()} 5xx, ${s.api.transportErrors} failed requests; ${s.api.serverErrors.slice(0, 3).join('; ')}`
      : 'no client',
  );
  checks.add(
    'every task dispatched at most once per attempt',
    wins.every((n) => n === 1),
    `${wins.length} tasks won a dispatch race, max wins per task ${Math.max(0, ...wins)}`,
  );
  checks.add(
    'audit invariants',
    problems.length === 0,
    problems.length
      ? problems.slice(0, 5).join('; ')
      : `${rounds.length * 4} tasks: one dispatch per attempt, one event per transition, approvals and pauses respected`,
  );
  checks.add('rounds completed', rounds.length === o.rounds, `${rounds.length} of ${o.rounds}`);
  const report: SuiteReport = {
    suite: 'race-stress',
    overall_status: checks.ok ? 'pass' : 'fail',
    config: { rounds: o.rounds, clients: o.clients, seed: o.seed, api: 'manual dispatch, scripted runner' },
    checks: checks.list,
    summary: {
      runs: rounds.length,
      approved_runs: rounds.filter((r) => r.decision === 'approve').length,
      rejected_runs: rounds.filter((r) => r.decision === 'reject').length,
      http_status_counts: s.api?.statusCounts() ?? {},
      runner_reports_sent: tally.reports,
      refusals_by_code: tally.refusals,
      final_run_statuses: finalRuns.reduce<Record<string, number>>(
        (m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }),
        {},
      ),
    },
    timings_ms: { ...timings, total_ms: Date.now() - t0 },
    stack: { data_dir: s.stack.dir, kept: Boolean(o.keep) },
    details: problems.length ? { problems } : undefined,
  };
  return emit(report);
}
