import { DrillEvidenceParam, DrillListQuery } from '@multyagents/contracts';
import type { Router } from '../route.js';
import type { ServiceContext } from '../../services/context.js';
import { getDrillEvidence, listDrillEvidence } from '../../services/drills.js';
import { parse } from '../validate.js';

export function drillRoutes(route: Router, ctx: ServiceContext): void {
  route({
    method: 'GET',
    path: '/drills',
    summary: 'Evidence of past `multyagents chaos` runs (newest first, from the chaos evidence dir)',
    query: DrillListQuery,
    handler: ({ query }) => listDrillEvidence(ctx, query.limit),
  });
  route({
    method: 'GET',
    path: '/drills/:evidenceId',
    summary: 'The full report.json of one chaos evidence folder',
    handler: ({ req }) => getDrillEvidence(ctx, parse(DrillEvidenceParam, req.params, 'path').evidenceId),
  });
}
