import { CONTRACT_VERSION, EVENT_TYPES, RUN_STATUSES, TASK_STATUSES } from '@multyagents/contracts';
import type { Router } from '../route.js';
import type { ServiceContext } from '../../services/context.js';

export function metaRoutes(route: Router, ctx: ServiceContext): void {
  route({
    method: 'GET',
    path: '/health',
    summary: 'Liveness: ok once the store is open and migrated',
    auth: 'none',
    handler: async () => {
      await ctx.store.read((sql) => sql.get('SELECT 1'));
      return {
        status: 'ok',
        store: ctx.store.kind,
        durability: ctx.store.durability,
        dispatch_mode: ctx.config.dispatchMode,
      };
    },
  });
  route({
    method: 'GET',
    path: '/contracts/current',
    summary: 'Contract version and vocabularies',
    auth: 'none',
    handler: async () => ({
      contract_version: CONTRACT_VERSION,
      task_statuses: TASK_STATUSES,
      run_statuses: RUN_STATUSES,
      event_types: EVENT_TYPES,
    }),
  });
}
