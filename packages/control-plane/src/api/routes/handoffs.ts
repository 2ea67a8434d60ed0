import { HandoffListQuery } from '@multyagents/contracts';
import type { Router } from '../route.js';
import type { ServiceContext } from '../../services/context.js';
import * as svc from '../../services/handoffs.js';

export function handoffRoutes(route: Router, ctx: ServiceContext): void {
  route({
    method: 'GET',
    path: '/handoffs',
    summary: 'List handoffs left by finished task attempts',
    query: HandoffListQuery,
    handler: ({ query }) => svc.listHandoffs(ctx, query),
  });
}
