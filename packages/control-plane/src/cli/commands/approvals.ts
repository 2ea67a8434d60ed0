import os from 'node:os';
import type { Command } from 'commander';
import { APPROVAL_STATUSES } from '@multyagents/contracts';
import { action, usageError } from '../errors.js';
import { operator, parseId, parseLimit, printJson, withApiOptions, type ApiOptions } from '../operator.js';
import { approvalsTable, type ApprovalItem } from '../operatorViews.js';

const API_EXIT =
  'Exit code 0 when done; 2 on invalid usage; 4 when the API refuses or cannot be reached (its code is shown, e.g. APPROVAL_NOT_FOUND, APPROVAL_LOCKED, APPROVAL_ALREADY_DECIDED).';

export async function listApprovals(
  opts: ApiOptions & { status?: string; run?: string; limit?: string },
): Promise<number> {
  const status = opts.status ?? 'pending';
  if (status !== 'all' && !(APPROVAL_STATUSES as readonly string[]).includes(status))
    throw usageError(`--status must be one of ${APPROVAL_STATUSES.join(', ')}, all; got "${status}"`);
  const qs = new URLSearchParams({ limit: String(parseLimit(opts.limit, 100)) });
  if (status !== 'all') qs.set('status', status);
  if (opts.run !== undefined) qs.set('run_id', String(parseId('--run', opts.run)));
  const { api } = operator(opts);
  const list = await api.get<ApprovalItem[]>(`/approvals?${qs}`);
  if (opts.json) printJson(list);
  else process.stdout.write(approvalsTable(list));
  return 0;
}

/** Who decided: --actor, else the login name (the API records it as `decided_by`). */
function actorOf(flag: string | undefined): string {
  if (flag) return flag;
  try {
    return os.userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

export async function decideApproval(
  decision: 'approve' | 'reject',
  rawId: string,
  opts: ApiOptions & { comment?: string; actor?: string },
): Promise<number> {
  const id = parseId('approval id', rawId);
  const { api } = operator(opts);
  const a = await api.post<ApprovalItem>(`/approvals/${id}/${decision}`, {
    actor: actorOf(opts.actor),
    comment: opts.comment,
  });
  if (opts.json) printJson(a);
  else
    process.stdout.write(
      `approval ${a.id} (task ${a.task_id}) ${a.status} by ${a.decided_by ?? '-'}${a.comment ? `: ${a.comment}` : ''}\n`,
    );
  return 0;
}

export function registerApprovalsCommand(program: Command): void {
  const approvals = program.command('approvals').description('the approval inbox: list, approve, reject');
  withApiOptions(
    approvals
      .command('list')
      .description('approvals with their task, newest first (default: the pending ones)')
      .option('--status <status>', `${APPROVAL_STATUSES.join('|')}|all (default pending)`)
      .option('--run <run-id>', "only this run's approvals")
      .option('--limit <n>', 'at most this many (default 100)'),
    API_EXIT,
  ).action(
    action(async (opts: ApiOptions & { status?: string; run?: string; limit?: string }) =>
      listApprovals(opts),
    ),
  );
  for (const decision of ['approve', 'reject'] as const) {
    withApiOptions(
      approvals
        .command(decision)
        .description(
          decision === 'approve'
            ? 'approve a gated task: it may be dispatched'
            : 'reject a gated task: it is canceled (and so its run fails)',
        )
        .argument('<approval-id>')
        .option('--comment <text>', 'kept with the decision')
        .option('--actor <name>', 'who decides (default: your login name)'),
      API_EXIT,
    ).action(
      action(async (id: string, opts: ApiOptions & { comment?: string; actor?: string }) =>
        decideApproval(decision, id, opts),
      ),
    );
  }
}
