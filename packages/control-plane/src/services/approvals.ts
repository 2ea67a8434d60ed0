/**
 * Approval gates: a gated task is not dispatched until approved. A rejection cancels the task (and so
 * fails its run). Decisions are final once the task was dispatched.
 */
import { iso } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { decideApproval, getApproval, listApprovals } from '../store/ops/approvals.js';
import { insertEvent } from '../store/ops/events.js';
import { getTaskRow } from '../store/ops/tasks.js';
import type { ServiceContext } from './context.js';
import { cancelTaskInTx } from './lifecycle.js';
import { approvalView } from './views.js';

export async function getApprovalView(ctx: ServiceContext, id: number) {
  const a = await ctx.store.read((sql) => getApproval(sql, id));
  if (!a) throw new AppError('APPROVAL_NOT_FOUND', `approval ${id} not found`);
  return approvalView(a);
}

/** Approvals with their task (run, step, title, status), newest first: the operator's inbox. */
export async function listApprovalViews(
  ctx: ServiceContext,
  q: { status?: string; run_id?: number; limit?: number },
) {
  const rows = await ctx.store.read((sql) =>
    listApprovals(sql, { status: q.status, runId: q.run_id, limit: q.limit }),
  );
  return rows.map((r) => ({
    ...approvalView(r),
    run_id: r.run_id,
    step_id: r.step_id,
    task_title: r.task_title,
    task_status: r.task_status,
  }));
}

export async function decide(
  ctx: ServiceContext,
  id: number,
  decision: 'approved' | 'rejected',
  body: { actor?: string; comment?: string },
) {
  const out = await ctx.store.tx(async (sql) => {
    const a = await getApproval(sql, id);
    if (!a) throw new AppError('APPROVAL_NOT_FOUND', `approval ${id} not found`);
    const task = await getTaskRow(sql, a.task_id);
    if (!task) throw new AppError('TASK_NOT_FOUND', `task ${a.task_id} not found`);
    if (a.status === decision) return approvalView(a);
    if (a.status === 'rejected')
      throw new AppError('APPROVAL_ALREADY_DECIDED', `approval ${id} was rejected; a rejection is final`);
    if (task.status !== 'created' || task.attempt > 0) {
      throw new AppError(
        'APPROVAL_LOCKED',
        `task ${task.id} was already dispatched (${task.status}); its approval is final`,
      );
    }
    const nowIso = iso(ctx.clock.now());
    await decideApproval(
      sql,
      id,
      { status: decision, actor: body.actor ?? null, comment: body.comment ?? null },
      nowIso,
    );
    await insertEvent(
      sql,
      {
        event_type: decision === 'approved' ? 'approval.approved' : 'approval.rejected',
        run_id: task.run_id,
        task_id: task.id,
        producer_role: body.actor ?? 'operator',
        payload: { approval_id: id, actor: body.actor ?? null, comment: body.comment ?? null },
      },
      nowIso,
    );
    if (decision === 'rejected')
      await cancelTaskInTx(
        ctx,
        sql,
        task,
        `approval ${id} rejected${body.comment ? `: ${body.comment}` : ''}`,
      );
    return approvalView((await getApproval(sql, id))!);
  });
  ctx.kick();
  return out;
}
