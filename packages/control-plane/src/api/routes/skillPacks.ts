import { SKILLS_CATALOG, SkillPackCreate, SkillPackUpdate } from '@multyagents/contracts';
import { ifMatchOf, sendVersioned } from '../etag.js';
import type { Router } from '../route.js';
import type { ServiceContext } from '../../services/context.js';
import * as svc from '../../services/skillPacks.js';

export function skillPackRoutes(route: Router, ctx: ServiceContext): void {
  route({
    method: 'POST',
    path: '/skill-packs',
    idempotent: true,
    summary: 'Create a skill pack',
    body: SkillPackCreate,
    handler: async ({ body, reply }) => sendVersioned(reply, await svc.createSkillPackVersioned(ctx, body)),
  });
  route({
    method: 'GET',
    path: '/skill-packs',
    summary: 'List skill packs',
    handler: () => svc.listSkillPacks(ctx),
  });
  route({
    method: 'GET',
    path: '/skill-packs/:id',
    summary: 'Get a skill pack',
    handler: async ({ id, reply }) => sendVersioned(reply, await svc.getSkillPackVersioned(ctx, id)),
  });
  route({
    method: 'PUT',
    path: '/skill-packs/:id',
    summary: 'Replace a skill pack',
    body: SkillPackUpdate,
    handler: async ({ id, body, req, reply }) =>
      sendVersioned(reply, await svc.updateSkillPack(ctx, id, body, ifMatchOf(req))),
  });
  route({
    method: 'DELETE',
    path: '/skill-packs/:id',
    summary: 'Delete a skill pack (409 while a role uses it)',
    status: 204,
    handler: ({ id, req }) => svc.deleteSkillPack(ctx, id, ifMatchOf(req)),
  });
  route({
    method: 'GET',
    path: '/skills',
    summary: 'The skills catalogue: the skill ids a skill pack may list (docs/skills-catalog.md)',
    handler: () => Promise.resolve(SKILLS_CATALOG),
  });
}
