/**
 * Runner liveness edges (and the draining mark), shared by the sweeper (silence), the submit path (connection refused), the
 * reconciler (no answer / an answer) and heartbeats: the runner row, its event, and the
 * `runner_unreachable_since` mark on every task it holds change together.
 */
import { iso } from '../lib/clock.js';
import { isLiveCurrent } from '../domain/attemptMachine.js';
import { liveAttemptsOfRunner } from '../store/ops/attempts.js';
import { insertEvent } from '../store/ops/events.js';
import { setRunnerDraining, setRunnerLiveness, touchRunner, type RunnerRow } from '../store/ops/runners.js';
import { getTaskRow, updateTask } from '../store/ops/tasks.js';
import type { Sql } from '../store/sql.js';
import type { ServiceContext } from './context.js';

/**
 * Online → unreachable (silent, or refused a connection), or → offline (it said it stopped: a graceful
 * stop ends with that notice). Either way it gets no new work, time-to-start counts for tasks waiting
 * for a runner, and after the lost grace whatever it still held is lost.
 */
export async function markRunnerUnreachable(
  ctx: ServiceContext,
  sql: Sql,
  r: RunnerRow,
  details: Record<string, unknown>,
  as: 'unreachable' | 'offline' = 'unreachable',
): Promise<void> {
  if (r.liveness !== 'online') return;
  const now = ctx.clock.now();
  const nowIso = iso(now);
  await setRunnerLiveness(sql, r.id, as, now);
  await insertEvent(
    sql,
    {
      event_type: `runner.${as}`,
      payload: { runner_id: r.id, url: r.url, last_seen_at: iso(r.last_seen_at), ...details },
    },
    nowIso,
  );
  for (const a of await liveAttemptsOfRunner(sql, r.id)) {
    const t = await getTaskRow(sql, a.task_id);
    if (!t || !isLiveCurrent(t, a) || t.runner_unreachable_since) continue;
    await updateTask(sql, t.id, { runner_unreachable_since: nowIso }, nowIso);
    await insertEvent(
      sql,
      {
        event_type: 'task.runner_unreachable',
        run_id: t.run_id,
        task_id: t.id,
        payload: { runner_id: r.id, attempt: a.attempt, ...(as === 'offline' ? { offline: true } : {}) },
      },
      nowIso,
    );
  }
}

export async function markRunnerReachable(
  ctx: ServiceContext,
  sql: Sql,
  r: RunnerRow,
  source: string,
): Promise<void> {
  const now = ctx.clock.now();
  const nowIso = iso(now);
  await touchRunner(sql, r.id, now);
  if (r.liveness === 'online') return;
  await insertEvent(
    sql,
    {
      event_type: 'runner.reachable',
      producer_role: 'runner',
      payload: { runner_id: r.id, was: r.liveness, source },
    },
    nowIso,
  );
  for (const live of await liveAttemptsOfRunner(sql, r.id)) {
    const t = await getTaskRow(sql, live.task_id);
    if (t && t.runner_unreachable_since) {
      await updateTask(sql, t.id, { runner_unreachable_since: null }, nowIso);
      await insertEvent(
        sql,
        {
          event_type: 'task.runner_reachable',
          run_id: t.run_id,
          task_id: t.id,
          payload: { runner_id: r.id },
        },
        nowIso,
      );
    }
  }
  ctx.kick();
}

/**
 * The runner said it is shutting down (its heartbeat, or a submit answered 503 RUNNER_DRAINING): it
 * stays online — its attempts still run and report — but placement gives it no new work until it
 * registers again (or a heartbeat says it no longer drains).
 */
export async function markRunnerDraining(
  ctx: ServiceContext,
  sql: Sql,
  r: RunnerRow,
  source: string,
  draining = true,
): Promise<void> {
  if (!(await setRunnerDraining(sql, r.id, draining))) return;
  await insertEvent(
    sql,
    {
      event_type: draining ? 'runner.draining' : 'runner.accepting',
      producer_role: 'runner',
      payload: { runner_id: r.id, url: r.url, source },
    },
    iso(ctx.clock.now()),
  );
  if (!draining) ctx.kick();
}
