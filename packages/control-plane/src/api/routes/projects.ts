import { ProjectCreate, ProjectUpdate } from '@multyagents/contracts';
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
    handler: ({ body }) => svc.createProject(ctx, body),
  });
  route({ method: 'GET', path: '/projects', summary: 'List projects', handler: () => svc.listProjects(ctx) });
  route({
    method: 'GET',
    path: '/projects/:id',
    summary: 'Get a project',
    handler: ({ id }) => svc.getProject(ctx, id),
  });
  route({
    method: 'PUT',
    path: '/projects/:id',
    summary: 'Replace a project',
    body: ProjectUpdate,
    handler: ({ id, body }) => svc.updateProject(ctx, id, body),
  });
  route({
    method: 'DELETE',
    path: '/projects/:id',
    summary: 'Delete a project (409 while referenced)',
    status: 204,
    handler: ({ id }) => svc.deleteProject(ctx, id),
  });
}
