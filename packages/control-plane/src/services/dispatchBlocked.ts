import { iso } from '../lib/clock.js';
import { insertEvent } from '../store/ops/events.js';
import { updateTask, type TaskRow } from '../store/ops/tasks.js';
import type { Sql } from '../store/sql.js';
import type { ServiceContext } from './context.js';

/**
 * A ready task the scheduler leaves ready (no runner can honour it, its workspace no longer
 * validates): one `task.dispatch_blocked` event per reason, not one per pass. The task remembers the
 * reason (`blocked_capability`); a claim clears it.
 */
export async function recordDispatchBlocked(
  ctx: ServiceContext,
  sql: Sql,
  t: Pick<TaskRow, 'id' | 'run_id' | 'blocked_capability'>,
  key: string,
  payload: Record<string, unknown>,
): Promise<void> {
  if (t.blocked_capability === key) return;
  const nowIso = iso(ctx.clock.now());
  await updateTask(sql, t.id, { blocked_capability: key }, nowIso);
  await insertEvent(
    sql,
    { event_type: 'task.dispatch_blocked', run_id: t.run_id, task_id: t.id, payload },
    nowIso,
  );
}
