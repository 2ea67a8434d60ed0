/**
 * B4's view of the work that was in flight when the API was killed, read from the restarted API's
 * timeline (only what the killed API had committed is there: exactly its acknowledged state).
 *
 * In flight at the kill: a task with a `task.dispatched` event before the restart's `api.started` and
 * no terminal report (`task.runner_status_updated` success / failed / canceled) before it — its attempt
 * was on the runner (or its submit on the wire), and its successors were waiting for its outcome.
 */
import type { BenchClient } from '../http.js';
import { sleep } from '../procs.js';
import { eventsOfType, fetchRuns } from '../verify.js';

const TERMINAL = new Set(['success', 'failed', 'canceled']);

export interface Inflight {
  /** Tasks in flight at the kill. */
  tasks: number[];
  /** Of those, how many got their terminal report applied after the restart (within the wait). */
  reported: number;
  /** Wall ms at which each in-flight task's terminal report was applied (API event time). */
  reportAt: Map<number, number>;
  /** Wall ms of the first dispatch of a successor of an in-flight task (same run), if any. */
  firstSuccessorDispatchAt: number | null;
  successorsDispatched: number;
  /** Wall ms at which each in-flight task finished on the runner (the runner's `finished_at`). */
  finishedAt: Map<number, number>;
}

/**
 * Find the tasks in flight at the kill, then wait (up to `waitMs`) until each has its terminal report
 * applied and the successors of those that succeeded are dispatched.
 */
export async function inflightAtKill(api: BenchClient, waitMs: number): Promise<Inflight> {
  const starts = await eventsOfType(api, 'api.started');
  if (starts.length < 2) throw new Error(`expected two api.started events, found ${starts.length}`);
  const restartId = starts[starts.length - 1]!.id;
  const dispatched = await eventsOfType(api, 'task.dispatched');
  const reports = await eventsOfType(api, 'task.runner_status_updated');
  const endedBefore = new Set(
    reports.filter((e) => e.id < restartId && TERMINAL.has(String(e.payload.status))).map((e) => e.task_id),
  );
  const runOf = new Map<number, number>();
  const dispatchedBefore = new Set<number>();
  for (const e of dispatched) {
    if (e.id > restartId || e.task_id === null) continue;
    dispatchedBefore.add(e.task_id);
    if (e.run_id !== null && !endedBefore.has(e.task_id)) runOf.set(e.task_id, e.run_id);
  }
  const tasks = [...runOf.keys()].sort((a, b) => a - b);
  const runs = new Set(runOf.values());
  // A successor is a task of the same run not dispatched before the kill; a run whose every task
  // was already dispatched (its last step was the one in flight) has none to wait for.
  const withSuccessor = new Set(
    (await fetchRuns(api, [...runs]))
      .filter((r) => r.task_ids.some((t) => !dispatchedBefore.has(t)))
      .map((r) => r.id),
  );

  const deadline = Date.now() + waitMs;
  const reportAt = new Map<number, number>();
  const succeeded = new Set<number>();
  let successors: Array<{ at: number; run: number }> = [];
  for (;;) {
    for (const e of await eventsOfType(api, 'task.runner_status_updated', restartId)) {
      const status = String(e.payload.status);
      if (e.task_id === null || !runOf.has(e.task_id) || !TERMINAL.has(status)) continue;
      if (!reportAt.has(e.task_id)) reportAt.set(e.task_id, Date.parse(e.created_at));
      if (status === 'success') succeeded.add(e.task_id);
    }
    successors = (await eventsOfType(api, 'task.dispatched', restartId))
      .filter(
        (e) =>
          e.run_id !== null && runs.has(e.run_id) && e.task_id !== null && !dispatchedBefore.has(e.task_id),
      )
      .map((e) => ({ at: Date.parse(e.created_at), run: e.run_id! }));
    const waitingRuns = new Set([...succeeded].map((t) => runOf.get(t)!).filter((r) => withSuccessor.has(r)));
    for (const s of successors) waitingRuns.delete(s.run);
    if ((reportAt.size === tasks.length && waitingRuns.size === 0) || Date.now() > deadline) break;
    await sleep(100);
  }

  const finishedAt = new Map<number, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < tasks.length) {
        const id = tasks[next++]!;
        const t = await api.get<{ finished_at?: string | null }>(`/tasks/${id}`);
        if (t.finished_at) finishedAt.set(id, Date.parse(t.finished_at));
      }
    }),
  );
  return {
    tasks,
    reported: reportAt.size,
    reportAt,
    firstSuccessorDispatchAt: successors.length ? Math.min(...successors.map((s) => s.at)) : null,
    successorsDispatched: successors.length,
    finishedAt,
  };
}
