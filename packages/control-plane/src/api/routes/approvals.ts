import { ApprovalDecision, ApprovalListQuery } from '@multyagents/contracts';
import type { Router } from '../route.js';
import type { ServiceContext } from '../../services/context.js';
import * as svc from '../../services/approvals.js';

export function approvalRoutes(route: Router, ctx: ServiceContext): void {
  route({
    method: 'GET',
    path: '/approvals',
    summary: 'List approvals with their task, newest first (filters status, run_id)',
    query: ApprovalListQuery,
    handler: ({ query }) => svc.listApprovalViews(ctx, query),
  });
  route({
    method: 'GET',
    path: '/approvals/:id',
    summary: 'Get an approval',
    handler: ({ id }) => svc.getApprovalView(ctx, id),
  });
  route({
    method: 'POST',
    path: '/approvals/:id/approve',
    summary: 'Approve (final once dispatched)',
    body: ApprovalDecision,
    redactBody: true,
    handler: ({ id, body }) => svc.decide(ctx, id, 'approved', body),
  });
  route({
    method: 'POST',
    path: '/approvals/:id/reject',
    summary: 'Reject (cancels the task)',
    body: ApprovalDecision,
    redactBody: true,
    handler: ({ id, body }) => svc.decide(ctx, id, 'rejected', body),
  });
}
