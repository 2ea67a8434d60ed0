import { ArtifactCreate, ArtifactListQuery } from '@multyagents/contracts';
import type { Router } from '../route.js';
import type { ServiceContext } from '../../services/context.js';
import * as svc from '../../services/artifacts.js';

export function artifactRoutes(route: Router, ctx: ServiceContext): void {
  route({
    method: 'POST',
    path: '/artifacts',
    idempotent: true,
    summary: 'Record an artifact of a task (writes artifact.created)',
    body: ArtifactCreate,
    redactBody: true,
    handler: ({ body }) => svc.createArtifact(ctx, body),
  });
  route({
    method: 'GET',
    path: '/artifacts',
    summary: 'List artifacts',
    query: ArtifactListQuery,
    handler: ({ query }) => svc.listArtifacts(ctx, query),
  });
  route({
    method: 'GET',
    path: '/artifacts/:id',
    summary: 'Get an artifact',
    handler: ({ id }) => svc.getArtifact(ctx, id),
  });
}
