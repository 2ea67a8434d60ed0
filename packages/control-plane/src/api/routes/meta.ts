import { CONTRACT_VERSION, EVENT_TYPES, RUN_STATUSES, TASK_STATUSES } from '@multyagents/contracts';
import type { Router } from '../route.js';
import type { ServiceContext } from '../../services/context.js';
import { AppError } from '../../lib/errors.js';
import { loggingStatus } from '../../lib/logger.js';
import { healthProblems } from '../../services/health.js';

export function metaRoutes(route: Router, ctx: ServiceContext): void {
  route({
    method: 'GET',
    path: '/health',
    summary: 'Liveness: ok once the store is open and migrated',
    auth: 'none',
    handler: async () => {
      // Not a read through the store's queue: liveness must not wait behind a backlog of writes
      // (right after a restart, every runner's held reports arrive at once).
      ctx.store.assertUsable();
      const store = ctx.store.health();
      if (store.integrity === 'corrupt')
        throw new AppError(
          'STORE_CORRUPT',
          `the store's integrity check found damage: ${store.integrity_detail ?? 'see the API log'} (docs/runbook.md, "Damaged store")`,
        );
      const problems = healthProblems(store, loggingStatus());
      return {
        status: problems.length ? 'degraded' : 'ok',
        problems,
        store_integrity: store.integrity,
        store: ctx.store.kind,
        durability: ctx.store.durability,
        dispatch_mode: ctx.config.dispatchMode,
        // At start the API serves while it still reconciles with its runners; dispatch begins after.
        reconciling: ctx.reconciling === true,
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
      // The first version named the schema file its contract lives in; ours is the OpenAPI document.
      schema_file: '/openapi.json',
      task_statuses: TASK_STATUSES,
      run_statuses: RUN_STATUSES,
      event_types: EVENT_TYPES,
    }),
  });
}
