import {
  AssistantPlanBody,
  AssistantReportBody,
  AssistantStartBody,
  AssistantStatusBody,
} from '@multyagents/contracts';
import type { Router } from '../route.js';
import type { ServiceContext } from '../../services/context.js';
import * as svc from '../../services/v1Assistant.js';

/** The first version's assistant façade over the same services. */
export function assistantRoutes(route: Router, ctx: ServiceContext): void {
  route({
    method: 'POST',
    path: '/assistant/intents/plan',
    summary: "Plan a template's steps with their resolved task config (changes nothing)",
    body: AssistantPlanBody,
    handler: ({ body }) => svc.assistantPlan(ctx, body),
  });
  route({
    method: 'POST',
    path: '/assistant/intents/start',
    idempotent: true,
    summary: 'Create a run and dispatch every task that is ready',
    body: AssistantStartBody,
    redactBody: true,
    handler: ({ body }) => svc.assistantStart(ctx, body),
  });
  route({
    method: 'POST',
    path: '/assistant/intents/status',
    summary: 'A run, its tasks and a machine summary',
    body: AssistantStatusBody,
    handler: ({ body }) => svc.assistantStatus(ctx, body),
  });
  route({
    method: 'POST',
    path: '/assistant/intents/report',
    summary: 'A run with its tasks, events, artifacts, handoffs and a machine summary',
    body: AssistantReportBody,
    handler: ({ body }) => svc.assistantReport(ctx, body),
  });
}
