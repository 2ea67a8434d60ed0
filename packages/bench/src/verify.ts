import { readLedger } from '@multyagents/control-plane/internal/executors/ledger.js';
import type { BenchClient } from './http.js';
import { sleep } from './procs.js';

export interface RunState {
  id: number;
  status: string;
  task_ids: number[];
}

interface Ev {
  id: number;
  task_id: number | null;
  run_id: number | null;
  event_type: string;
  payload: Record<string, unknown>;
  created_at: string;
}

/** Every event of one type (paged by id). */
export async function eventsOfType(api: BenchClient, type: string, afterId = 0): Promise<Ev[]> {
  const out: Ev[] = [];
  let after = afterId;
  for (;;) {
    const page = await api.get<Ev[]>(`/events?event_type=${type}&after_id=${after}&limit=50000`);
    out.push(...page);
    if (page.length < 50000) return out;
    after = page[page.length - 1].id;
  }
}

/** Runs by id, fetched with bounded concurrency. */
export async function fetchRuns(api: BenchClient, ids: number[], concurrency = 8): Promise<RunState[]> {
  const out: RunState[] = new Array(ids.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ids.length) {
        const i = next++;
        out[i] = await api.get<RunState>(`/workflow-runs/${ids[i]}`);
      }
    }),
  );
  return out;
}

export interface ExactlyOnce {
  runs: number;
  runs_succeeded: number;
  tasks: number;
  /** Tasks with exactly one task.dispatched event and exactly one effect-ledger line (attempt 1). */
  tasks_exactly_once: number;
  tasks_never_run: number;
  tasks_run_twice: number;
  ok: boolean;
  problems: string[];
}

/**
 * Every run succeeded, and every one of its tasks was dispatched once (API events) and executed once
 * (the runners' effect ledgers, written by the mock agent at start).
 */
export async function checkExactlyOnce(
  api: BenchClient,
  runIds: number[],
  ledgerFiles: string[],
): Promise<ExactlyOnce> {
  const runs = await fetchRuns(api, runIds);
  const dispatched = new Map<number, number>();
  for (const e of await eventsOfType(api, 'task.dispatched')) {
    if (e.task_id !== null) dispatched.set(e.task_id, (dispatched.get(e.task_id) ?? 0) + 1);
  }
  const executed = new Map<number, number>();
  for (const f of ledgerFiles) {
    for (const l of readLedger(f)) executed.set(l.task_id, (executed.get(l.task_id) ?? 0) + 1);
  }
  const problems: string[] = [];
  let tasks = 0;
  let once = 0;
  let never = 0;
  let twice = 0;
  for (const r of runs) {
    if (r.status !== 'success' && problems.length < 20) problems.push(`run ${r.id} is ${r.status}`);
    for (const t of r.task_ids) {
      tasks++;
      const d = dispatched.get(t) ?? 0;
      const x = executed.get(t) ?? 0;
      if (d === 1 && x === 1) once++;
      else if (x === 0 || d === 0) never++;
      else twice++;
      if ((d !== 1 || x !== 1) && problems.length < 20)
        problems.push(`task ${t} of run ${r.id}: ${d} dispatch event(s), ${x} execution(s)`);
    }
  }
  const succeeded = runs.filter((r) => r.status === 'success').length;
  return {
    runs: runs.length,
    runs_succeeded: succeeded,
    tasks,
    tasks_exactly_once: once,
    tasks_never_run: never,
    tasks_run_twice: twice,
    ok: runs.length > 0 && succeeded === runs.length && once === tasks,
    problems,
  };
}

/** Wait until no run is created or running (the backlog of a load phase drained). */
export async function waitIdle(api: BenchClient, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const created = await api.get<unknown[]>('/workflow-runs?status=created&limit=1');
    const running = await api.get<unknown[]>('/workflow-runs?status=running&limit=1');
    if (created.length === 0 && running.length === 0) return true;
    await sleep(50);
  }
  return false;
}

/** Which of `ids` the API knows (404 = missing); other answers throw. */
export async function missingRuns(api: BenchClient, ids: number[], concurrency = 8): Promise<number[]> {
  const missing: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ids.length) {
        const id = ids[next++];
        const r = await api.call('GET', `/workflow-runs/${id}`);
        if (r.status === 404) missing.push(id);
        else if (r.status !== 200) throw new Error(`GET /workflow-runs/${id} answered ${r.status}`);
      }
    }),
  );
  return missing.sort((a, b) => a - b);
}
