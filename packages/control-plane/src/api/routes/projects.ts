import { ProjectCreate, ProjectUpdate } from '@multyagents/contracts';
import { ifMatchOf, sendVersioned } from '../etag.js';
import type { Router } from '../route.js';
import type { ServiceContext } from '../../services/context.js';
import * as svc from '../../services/projects.js';

export function projectRoutes(route: Router, ctx: ServiceContext): void {
  route({
    method: 'POST',
    path: '/projects',
    idempotent: true,
    summary: 'Create a project',
    body: ProjectCreate,
    handler: async ({ body, reply }) => sendVersioned(reply, await svc.createProjectVersioned(ctx, body)),
  });
  route({ method: 'GET', path: '/projects', summary: 'List projects', handler: () => svc.listProjects(ctx) });
  route({
    method: 'GET',
    path: '/projects/:id',
    summary: 'Get a project',
    handler: async ({ id, reply }) => sendVersioned(reply, await svc.getProjectVersioned(ctx, id)),
  });
  route({
    method: 'PUT',
    path: '/projects/:id',
    summary: 'Replace a project',
    body: ProjectUpdate,
    handler: async ({ id, body, req, reply }) =>
      sendVersioned(reply, await svc.updateProject(ctx, id, body, ifMatchOf(req))),
  });
  route({
    method: 'DELETE',
    path: '/projects/:id',
    summary: 'Delete a project (409 while referenced)',
    status: 204,
    handler: ({ id, req }) => svc.deleteProject(ctx, id, ifMatchOf(req)),
  });
}
