import { RoleCreate, RoleUpdate } from '@multyagents/contracts';
import { ifMatchOf, sendVersioned } from '../etag.js';
import type { Router } from '../route.js';
import type { ServiceContext } from '../../services/context.js';
import * as svc from '../../services/roles.js';

export function roleRoutes(route: Router, ctx: ServiceContext): void {
  route({
    method: 'POST',
    path: '/roles',
    idempotent: true,
    summary: 'Create a role',
    body: RoleCreate,
    handler: async ({ body, reply }) => sendVersioned(reply, await svc.createRoleVersioned(ctx, body)),
  });
  route({ method: 'GET', path: '/roles', summary: 'List roles', handler: () => svc.listRoles(ctx) });
  route({
    method: 'GET',
    path: '/roles/:id',
    summary: 'Get a role',
    handler: async ({ id, reply }) => sendVersioned(reply, await svc.getRoleVersioned(ctx, id)),
  });
  route({
    method: 'PUT',
    path: '/roles/:id',
    summary: 'Replace a role',
    body: RoleUpdate,
    handler: async ({ id, body, req, reply }) =>
      sendVersioned(reply, await svc.updateRole(ctx, id, body, ifMatchOf(req))),
  });
  route({
    method: 'DELETE',
    path: '/roles/:id',
    summary: 'Delete a role (409 while a template step or a task refers to it)',
    status: 204,
    handler: ({ id, req }) => svc.deleteRole(ctx, id, ifMatchOf(req)),
  });
}
