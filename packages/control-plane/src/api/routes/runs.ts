import {
  ControlLoopBody,
  OperatorActionBody,
  PartialRerunBody,
  RunListQuery,
  WorkflowRunCreate,
} from '@multyagents/contracts';
import type { Router } from '../route.js';
import { sendPage } from '../page.js';
import type { ServiceContext } from '../../services/context.js';
import * as svc from '../../services/runs.js';
import * as v1 from '../../services/v1Dispatch.js';
import { executionSummary } from '../../services/v1Summary.js';
import { partialRerun } from '../../services/v1Rerun.js';

export function runRoutes(route: Router, ctx: ServiceContext): void {
  route({
    method: 'POST',
    path: '/workflow-runs',
    idempotent: true,
    summary: 'Start a run from a template or from task ids',
    body: WorkflowRunCreate,
    redactBody: true,
    handler: ({ body }) => svc.createRun(ctx, body),
  });
  route({
    method: 'GET',
    path: '/workflow-runs',
    summary: 'List runs (newest first)',
    query: RunListQuery,
    handler: async ({ query, reply }) => sendPage(reply, await svc.listRuns(ctx, query)),
  });
  route({
    method: 'GET',
    path: '/workflow-runs/counts',
    summary: 'How many runs there are, by status (every status, zeros included)',
    handler: () => svc.runCounts(ctx),
  });
  route({
    method: 'GET',
    path: '/workflow-runs/:id',
    summary: 'Get a run with computed triage and summaries',
    handler: ({ id }) => svc.getRun(ctx, id),
  });
  for (const op of ['pause', 'resume', 'abort'] as const) {
    route({
      method: 'POST',
      path: `/workflow-runs/:id/${op}`,
      summary: `${op} a run`,
      body: OperatorActionBody,
      redactBody: true,
      handler: ({ id, body }) => svc.operate(ctx, id, op, body.actor, body.reason),
    });
  }
  route({
    method: 'POST',
    path: '/workflow-runs/:id/dispatch-ready',
    summary: 'Dispatch the first ready task',
    handler: ({ id }) => v1.dispatchReady(ctx, id),
  });
  route({
    method: 'POST',
    path: '/workflow-runs/:id/control-loop',
    summary: 'Plan and dispatch up to max_dispatch ready tasks',
    body: ControlLoopBody,
    handler: ({ id, body }) => v1.controlLoop(ctx, id, body.max_dispatch),
  });
  route({
    method: 'GET',
    path: '/workflow-runs/:id/execution-summary',
    summary: 'Counts, progress, tasks and timeline',
    handler: ({ id }) => executionSummary(ctx, id),
  });
  route({
    method: 'POST',
    path: '/workflow-runs/:id/partial-rerun',
    summary: 'Start failed, canceled or submit-failed tasks of a run over (by step id or task id)',
    body: PartialRerunBody,
    handler: ({ id, body }) => partialRerun(ctx, id, body),
  });
}
