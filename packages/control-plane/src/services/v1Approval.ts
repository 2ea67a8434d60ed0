/**
 * The refusal of a dispatch whose approval gate is not open, in the first version's words:
 * `task N requires approval; approval_id=A status=pending|rejected` (409), with the
 * `task.dispatch_blocked_by_approval {approval_id, status}` event v1 recorded — written by the caller's
 * transaction, which commits it and then throws the returned error. null when the gate is open.
 */
import { iso } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { getApprovalByTask } from '../store/ops/approvals.js';
import { insertEvent } from '../store/ops/events.js';
import type { TaskRow } from '../store/ops/tasks.js';
import type { Sql } from '../store/sql.js';
import type { ServiceContext } from './context.js';

export async function approvalRefusal(
  ctx: ServiceContext,
  sql: Sql,
  t: Pick<TaskRow, 'id' | 'run_id'>,
): Promise<AppError | null> {
  const a = await getApprovalByTask(sql, t.id);
  if (a?.status === 'approved') return null;
  const status = a?.status ?? 'missing';
  await insertEvent(
    sql,
    {
      event_type: 'task.dispatch_blocked_by_approval',
      run_id: t.run_id,
      task_id: t.id,
      payload: { approval_id: a?.id ?? null, status },
    },
    iso(ctx.clock.now()),
  );
  return new AppError(
    'TASK_NOT_DISPATCHABLE',
    `task ${t.id} requires approval; approval_id=${a?.id ?? 'none'} status=${status}`,
    { reason: `approval ${status}`, approval_id: a?.id ?? null, approval_status: status },
  );
}
