import { RecommendRequest, WorkflowTemplateCreate, WorkflowTemplateUpdate } from '@multyagents/contracts';
import { ifMatchOf, sendVersioned } from '../etag.js';
import type { Router } from '../route.js';
import type { ServiceContext } from '../../services/context.js';
import { recommendTemplates } from '../../services/recommend.js';
import * as svc from '../../services/templates.js';

export function templateRoutes(route: Router, ctx: ServiceContext): void {
  route({
    method: 'POST',
    path: '/workflow-templates',
    idempotent: true,
    summary: 'Create a workflow template (the steps must form a valid DAG)',
    body: WorkflowTemplateCreate,
    handler: async ({ body, reply }) => sendVersioned(reply, await svc.createTemplateVersioned(ctx, body)),
  });
  route({
    method: 'GET',
    path: '/workflow-templates',
    summary: 'List workflow templates',
    handler: () => svc.listTemplates(ctx),
  });
  route({
    method: 'POST',
    path: '/workflow-templates/recommend',
    summary: 'Rank templates for a free-text request',
    body: RecommendRequest,
    handler: ({ body }) => recommendTemplates(ctx, body),
  });
  route({
    method: 'GET',
    path: '/workflow-templates/:id',
    summary: 'Get a workflow template',
    handler: async ({ id, reply }) => sendVersioned(reply, await svc.getTemplateVersioned(ctx, id)),
  });
  route({
    method: 'PUT',
    path: '/workflow-templates/:id',
    summary: 'Replace a workflow template',
    body: WorkflowTemplateUpdate,
    handler: async ({ id, body, req, reply }) =>
      sendVersioned(reply, await svc.updateTemplate(ctx, id, body, ifMatchOf(req))),
  });
  route({
    method: 'DELETE',
    path: '/workflow-templates/:id',
    summary: 'Delete a workflow template (409 while a run refers to it)',
    status: 204,
    handler: ({ id, req }) => svc.deleteTemplate(ctx, id, ifMatchOf(req)),
  });
}
