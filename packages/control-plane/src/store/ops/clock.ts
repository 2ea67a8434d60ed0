/**
 * The stored wall-time anchors (ms since epoch) that time-driven checks compare with the clock, moved
 * together when the wall clock jumped (scheduler/clockWatch.ts): a deadline keeps its remaining time,
 * a runner its time since its last heartbeat. Past anchors are moved only when they predate the jump
 * (closer to the old clock than to the new one); one written after it is already on the new clock.
 */
import { ACTIVE_TASK_STATUSES } from '@multyagents/contracts';
import { sqlList, type Sql } from '../sql.js';

const WAITING_OR_ACTIVE = sqlList(['created', ...ACTIVE_TASK_STATUSES]);

export async function shiftWallAnchors(
  sql: Sql,
  jumpMs: number,
  nowMs: number,
): Promise<{ tasks: number; runners: number }> {
  // Anchors on the old clock are at most nowMs - jumpMs; those on the new one are about nowMs.
  const mid = nowMs - jumpMs / 2;
  const old = jumpMs > 0 ? '< ?' : '> ?';
  const past = (col: string) =>
    `${col} = CASE WHEN ${col} IS NOT NULL AND ${col} ${old} THEN ${col} + ? ELSE ${col} END`;
  const t = await sql.run(
    `UPDATE tasks SET
       deadline_at = CASE WHEN deadline_at IS NULL THEN NULL ELSE deadline_at + ? END,
       next_attempt_at = CASE WHEN next_attempt_at IS NULL THEN NULL ELSE next_attempt_at + ? END,
       ${past('ready_since')}, ${past('dispatched_at')}
     WHERE status IN ${WAITING_OR_ACTIVE}
       AND (deadline_at IS NOT NULL OR next_attempt_at IS NOT NULL OR ready_since IS NOT NULL OR dispatched_at IS NOT NULL)`,
    [jumpMs, jumpMs, mid, jumpMs, mid, jumpMs],
  );
  const r = await sql.run(`UPDATE runners SET ${past('last_seen_at')}, ${past('unreachable_since')}`, [
    mid,
    jumpMs,
    mid,
    jumpMs,
  ]);
  return { tasks: t.changes, runners: r.changes };
}
