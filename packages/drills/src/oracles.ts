/**
 * Oracles (pure): judge a drill from what the system recorded — the API's event log, its task,
 * run and attempt records, and the effect ledger the fake agent writes — never from what the drill
 * hoped. Each returns one Check; histories that violate a property make it invalid with a detail
 * naming the offending ids.
 */
import { check, inconclusiveCheck } from './verdict.js';
import type { AckSnapshot, Check, EventRec, History } from './types.js';

export const TERMINAL_TASK = ['success', 'failed', 'canceled', 'submit-failed'];
export const TERMINAL_RUN = ['success', 'failed', 'aborted'];
const LIVE_TASK = ['dispatched', 'queued', 'running', 'cancel-requested'];

const MAX_LISTED = 5;
function listed(problems: string[]): string {
  const head = problems.slice(0, MAX_LISTED).join('; ');
  return problems.length > MAX_LISTED ? `${head}; … ${problems.length - MAX_LISTED} more` : head;
}

function sorted(events: readonly EventRec[]): EventRec[] {
  return [...events].sort((a, b) => a.id - b.id);
}

function isTransition(e: EventRec): boolean {
  return typeof e.payload.from === 'string' && typeof e.payload.to === 'string';
}

export function taskTransitions(h: History, taskId: number): EventRec[] {
  return sorted(h.events).filter(
    (e) => e.task_id === taskId && e.event_type.startsWith('task.') && isTransition(e),
  );
}

export function runTransitions(h: History, runId: number): EventRec[] {
  return sorted(h.events).filter(
    (e) =>
      e.run_id === runId && e.task_id === null && e.event_type.startsWith('workflow_run.') && isTransition(e),
  );
}

/** Every run the drill created is still there with all its tasks. */
export function noLostWork(
  h: History,
  created: ReadonlyArray<{ run_id: number; task_ids: number[] }>,
): Check {
  const problems: string[] = [];
  for (const c of created) {
    const run = h.runs.find((r) => r.id === c.run_id);
    if (!run) {
      problems.push(`run ${c.run_id} is missing`);
      continue;
    }
    const missing = c.task_ids.filter((id) => !h.tasks.some((t) => t.id === id));
    if (missing.length) problems.push(`run ${c.run_id}: tasks ${missing.join(',')} missing`);
    if (run.task_ids.join(',') !== c.task_ids.join(','))
      problems.push(`run ${c.run_id}: task ids ${run.task_ids.join(',')} ≠ created ${c.task_ids.join(',')}`);
  }
  const n = created.reduce((s, c) => s + c.task_ids.length, 0);
  return check(
    'no_lost_run_or_task',
    created.length > 0 && problems.length === 0,
    problems.length
      ? listed(problems)
      : created.length
        ? `${created.length} runs, ${n} tasks all present`
        : 'no run created',
  );
}

/** Nothing is left active: every run and task the drill created reached a terminal state. */
export function allSettled(h: History, runIds: readonly number[]): Check {
  const problems: string[] = [];
  for (const id of runIds) {
    const run = h.runs.find((r) => r.id === id);
    if (!run) continue;
    if (!TERMINAL_RUN.includes(run.status)) problems.push(`run ${id} is ${run.status}`);
    for (const t of h.tasks.filter((x) => run.task_ids.includes(x.id)))
      if (!TERMINAL_TASK.includes(t.status)) problems.push(`task ${t.id} is ${t.status}`);
  }
  return check(
    'nothing_left_active',
    problems.length === 0,
    problems.length ? listed(problems) : 'all runs and tasks terminal',
  );
}

/**
 * No duplicate execution: the ledger has at most one line per (task, attempt), every executed attempt
 * is one the API created, and at most one attempt of a task succeeded.
 */
export function noDuplicateExecution(h: History): Check {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const l of h.ledger)
    seen.set(`${l.task_id}:${l.attempt}`, (seen.get(`${l.task_id}:${l.attempt}`) ?? 0) + 1);
  for (const [k, n] of seen) {
    const [task, attempt] = k.split(':');
    if (n > 1) problems.push(`task ${task} attempt ${attempt} executed ${n} times`);
    if (!h.attempts.some((a) => a.task_id === Number(task) && a.attempt === Number(attempt)))
      problems.push(`task ${task} attempt ${attempt} executed but the API never created that attempt`);
  }
  const taskIds = new Set([...h.tasks.map((t) => t.id), ...h.attempts.map((a) => a.task_id)]);
  for (const id of taskIds) {
    const ok = h.attempts.filter((a) => a.task_id === id && a.status === 'success').map((a) => a.attempt);
    if (ok.length > 1) problems.push(`task ${id}: attempts ${ok.join(',')} all succeeded`);
    const toSuccess = taskTransitions(h, id).filter((e) => e.payload.to === 'success').length;
    if (toSuccess > 1) problems.push(`task ${id} entered success ${toSuccess} times`);
  }
  return check(
    'no_duplicate_execution',
    problems.length === 0,
    problems.length
      ? listed(problems)
      : `${h.ledger.length} executions, one per (task, attempt), ≤ 1 success per task`,
  );
}

/** Attempt outcomes by which the API declares that the attempt never started on a runner. */
const NEVER_STARTED = ['submit-failed', 'refused'];

/**
 * Every execution is known to the API: no agent ran for an attempt the API recorded as never started
 * (submit-failed, refused). Otherwise the API believes a step did not run — and may run it again —
 * while its agent did run (a submit whose answer was lost after the runner accepted it).
 */
export function executionsKnownToApi(h: History): Check {
  const problems: string[] = [];
  for (const l of h.ledger) {
    const a = h.attempts.find((x) => x.task_id === l.task_id && x.attempt === l.attempt);
    if (a && NEVER_STARTED.includes(a.status))
      problems.push(
        `task ${l.task_id} attempt ${l.attempt} executed (pid ${String(l.pid)}) but the API recorded it ${a.status}`,
      );
  }
  return check(
    'executions_known_to_api',
    problems.length === 0,
    problems.length
      ? listed(problems)
      : `all ${h.ledger.length} executions belong to attempts the API knows started`,
  );
}

/** Each listed task was executed exactly once (one ledger line). */
export function executedExactlyOnce(h: History, taskIds: readonly number[]): Check {
  const problems: string[] = [];
  for (const id of taskIds) {
    const n = h.ledger.filter((l) => l.task_id === id).length;
    if (n !== 1) problems.push(`task ${id} executed ${n} times`);
  }
  return check(
    'each_step_executed_once',
    taskIds.length > 0 && problems.length === 0,
    problems.length ? listed(problems) : `${taskIds.length} tasks, one execution each (effect ledger)`,
  );
}

/** Terminal states are absorbing: no transition leaves a terminal task or run state. */
export function terminalAbsorbing(h: History): Check {
  const problems: string[] = [];
  const taskIds = [...new Set(h.events.filter((e) => e.task_id !== null).map((e) => e.task_id!))];
  for (const id of taskIds) {
    let terminalAt: EventRec | null = null;
    for (const e of taskTransitions(h, id)) {
      if (terminalAt)
        problems.push(
          `task ${id} left ${String(terminalAt.payload.to)} (event ${e.id}: ${String(e.payload.from)} → ${String(e.payload.to)})`,
        );
      if (TERMINAL_TASK.includes(String(e.payload.to))) terminalAt = e;
    }
  }
  for (const run of h.runs) {
    let terminalAt: EventRec | null = null;
    for (const e of runTransitions(h, run.id)) {
      if (terminalAt) problems.push(`run ${run.id} left ${String(terminalAt.payload.to)} (event ${e.id})`);
      if (TERMINAL_RUN.includes(String(e.payload.to))) terminalAt = e;
    }
  }
  return check(
    'terminal_states_absorbing',
    problems.length === 0,
    problems.length ? listed(problems) : 'no transition out of a terminal state',
  );
}

/**
 * The event log is a complete record: each task's transitions chain from `created` without a gap
 * (every `from` is the previous `to`) and end in the task's current status; same for runs.
 */
export function transitionsConsistent(h: History): Check {
  const problems: string[] = [];
  for (const t of h.tasks) {
    let state = 'created';
    for (const e of taskTransitions(h, t.id)) {
      if (e.payload.from !== state)
        problems.push(
          `task ${t.id}: event ${e.id} goes ${String(e.payload.from)} → ${String(e.payload.to)} but the task was ${state}`,
        );
      state = String(e.payload.to);
    }
    if (state !== t.status) problems.push(`task ${t.id} is ${t.status} but its events end in ${state}`);
  }
  for (const r of h.runs) {
    let state = 'created';
    for (const e of runTransitions(h, r.id)) {
      // paused/resumed are operator events; they still carry from/to.
      if (e.payload.from !== state)
        problems.push(`run ${r.id}: event ${e.id} from ${String(e.payload.from)} but the run was ${state}`);
      state = String(e.payload.to);
    }
    if (state !== r.status) problems.push(`run ${r.id} is ${r.status} but its events end in ${state}`);
  }
  return check(
    'transitions_recorded',
    problems.length === 0,
    problems.length ? listed(problems) : 'every change has its event, no gaps',
  );
}

/** The (status, attempt) states a task went through, from its events. */
function visitedTaskStates(h: History, taskId: number): Set<string> {
  const out = new Set<string>(['created:0']);
  for (const e of taskTransitions(h, taskId))
    out.add(`${String(e.payload.to)}:${Number(e.payload.attempt ?? 0)}`);
  return out;
}

/**
 * Acknowledged ⇒ durable: everything the API acknowledged before a fault is still there afterwards —
 * each acknowledged event unchanged, each acknowledged task and run state part of its recorded history.
 */
export function acknowledgedDurable(snapshots: readonly AckSnapshot[], h: History): Check {
  if (snapshots.length === 0)
    return inconclusiveCheck('acknowledged_durable', 'no acknowledged snapshot was taken before a fault');
  const problems: string[] = [];
  const byId = new Map(h.events.map((e) => [e.id, e]));
  let events = 0;
  let states = 0;
  for (const s of snapshots) {
    for (const e of s.events) {
      events++;
      const now = byId.get(e.id);
      if (!now) problems.push(`event ${e.id} (${e.event_type}) acknowledged at ${s.at} is gone`);
      else if (
        now.event_type !== e.event_type ||
        now.task_id !== e.task_id ||
        now.run_id !== e.run_id ||
        JSON.stringify(now.payload) !== JSON.stringify(e.payload)
      )
        problems.push(`event ${e.id} changed after ${s.at}`);
    }
    for (const t of s.tasks) {
      states++;
      if (!h.tasks.some((x) => x.id === t.id)) problems.push(`task ${t.id} acknowledged at ${s.at} is gone`);
      else if (!visitedTaskStates(h, t.id).has(`${t.status}:${t.attempt}`))
        problems.push(
          `task ${t.id} was acknowledged ${t.status} (attempt ${t.attempt}) at ${s.at}; that state is not in its history`,
        );
    }
    for (const r of s.runs) {
      states++;
      const visited = new Set(['created', ...runTransitions(h, r.id).map((e) => String(e.payload.to))]);
      if (!h.runs.some((x) => x.id === r.id)) problems.push(`run ${r.id} acknowledged at ${s.at} is gone`);
      else if (!visited.has(r.status))
        problems.push(`run ${r.id} was acknowledged ${r.status} at ${s.at}; not in its history`);
    }
  }
  return check(
    'acknowledged_durable',
    problems.length === 0,
    problems.length
      ? listed(problems)
      : `${events} events and ${states} states acknowledged in ${snapshots.length} snapshots, all kept`,
  );
}

/**
 * Stale attempts are fenced: attempt numbers grow by one per dispatch, and every report the API
 * applied came for the task's current, still-live attempt from the runner that holds it.
 */
export function staleAttemptsFenced(h: History): Check {
  const problems: string[] = [];
  let applied = 0;
  const taskIds = [...new Set(h.events.filter((e) => e.task_id !== null).map((e) => e.task_id!))];
  for (const id of taskIds) {
    let attempt = 0;
    let runner: number | null = null;
    for (const e of taskTransitions(h, id)) {
      const a = Number(e.payload.attempt ?? 0);
      if (e.event_type === 'task.dispatched') {
        if (a !== attempt + 1) problems.push(`task ${id}: dispatched attempt ${a} after attempt ${attempt}`);
        attempt = a;
        runner = typeof e.payload.runner_id === 'number' ? e.payload.runner_id : null;
        continue;
      }
      if (e.event_type !== 'task.runner_status_updated') continue;
      applied++;
      if (a !== attempt)
        problems.push(
          `task ${id}: report for attempt ${a} applied while attempt ${attempt} was current (event ${e.id})`,
        );
      if (!LIVE_TASK.includes(String(e.payload.from)))
        problems.push(`task ${id}: report applied to a ${String(e.payload.from)} task (event ${e.id})`);
      const from = e.payload.runner_id;
      if (typeof from === 'number' && runner !== null && from !== runner)
        problems.push(
          `task ${id}: report from runner ${from} applied to attempt ${a} held by runner ${runner} (event ${e.id})`,
        );
    }
  }
  const refused = h.events.filter(
    (e) => e.event_type === 'task.report_refused' && e.payload.code === 'STALE_ATTEMPT',
  ).length;
  return check(
    'stale_attempts_fenced',
    problems.length === 0,
    problems.length
      ? listed(problems)
      : `${applied} reports applied to current attempts; ${refused} stale reports refused`,
  );
}

/** A late report of a given old attempt actually arrived and was refused (the fencing path ran). */
export function lateReportRefused(h: History, taskId: number, attempt: number): Check {
  const refusal = h.events.find(
    (e) =>
      e.event_type === 'task.report_refused' &&
      e.task_id === taskId &&
      e.payload.code === 'STALE_ATTEMPT' &&
      Number(e.payload.reported_attempt) === attempt,
  );
  if (!refusal)
    return inconclusiveCheck(
      'late_report_refused',
      `no late report of task ${taskId} attempt ${attempt} reached the API, so fencing was not exercised`,
    );
  return check(
    'late_report_refused',
    true,
    `task ${taskId} attempt ${attempt}: late ${String(refusal.payload.reported_status)} refused STALE_ATTEMPT (event ${refusal.id})`,
  );
}

/** Eventual completion: each run ended in the expected status. */
export function eventualCompletion(h: History, runIds: readonly number[], expected: string): Check {
  const problems = runIds
    .map((id) => ({ id, status: h.runs.find((r) => r.id === id)?.status ?? 'missing' }))
    .filter((r) => r.status !== expected)
    .map((r) => `run ${r.id} is ${r.status}`);
  return check(
    expected === 'success' ? 'eventual_completion' : `runs_${expected}`,
    runIds.length > 0 && problems.length === 0,
    problems.length ? listed(problems) : `${runIds.length} runs ${expected}`,
  );
}

/** None of the agent processes the ledger recorded is still alive. */
export function noOrphanedAgents(h: History, alive: (pid: number) => boolean | null): Check {
  const pids = h.ledger
    .flatMap((l) => [l.pid, l.child_pid ?? null])
    .filter((p): p is number => typeof p === 'number');
  if (pids.length === 0) return inconclusiveCheck('no_orphaned_agent', 'the ledger recorded no agent pid');
  const states = pids.map((p) => ({ p, a: alive(p) }));
  if (states.some((s) => s.a === null))
    return inconclusiveCheck('no_orphaned_agent', 'cannot inspect processes here (/proc missing)');
  const live = states.filter((s) => s.a).map((s) => s.p);
  return check(
    'no_orphaned_agent',
    live.length === 0,
    live.length
      ? `agent processes still alive: ${live.join(',')}`
      : `${pids.length} agent processes all gone`,
  );
}

/** Milliseconds from `fromMs` to the first event matching `pred` at or after it; null if none. */
export function msUntilEvent(h: History, fromMs: number, pred: (e: EventRec) => boolean): number | null {
  const e = sorted(h.events).find((x) => pred(x) && Date.parse(x.created_at) >= fromMs - 5);
  return e ? Math.max(0, Date.parse(e.created_at) - fromMs) : null;
}

/** The standard safety oracles every drill runs. */
export function safetyChecks(
  h: History,
  created: ReadonlyArray<{ run_id: number; task_ids: number[] }>,
): Check[] {
  return [
    noLostWork(h, created),
    noDuplicateExecution(h),
    executionsKnownToApi(h),
    terminalAbsorbing(h),
    transitionsConsistent(h),
    staleAttemptsFenced(h),
  ];
}
