import { EventCreate, EventListQuery } from '@multyagents/contracts';
import type { Router } from '../route.js';
import type { ServiceContext } from '../../services/context.js';
import * as svc from '../../services/events.js';

export function eventRoutes(route: Router, ctx: ServiceContext): void {
  route({
    method: 'GET',
    path: '/events',
    summary: 'List events (oldest first; page with after_id)',
    query: EventListQuery,
    handler: ({ query }) => svc.listEvents(ctx, query),
  });
  route({
    method: 'POST',
    path: '/events',
    summary: 'Record an event from an external producer',
    body: EventCreate,
    redactBody: true,
    handler: ({ body }) => svc.createEvent(ctx, body),
  });
}
