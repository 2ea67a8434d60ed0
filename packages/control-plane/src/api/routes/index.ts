import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../../services/context.js';
import type { Router } from '../route.js';
import { metaRoutes } from './meta.js';
import { projectRoutes } from './projects.js';
import { skillPackRoutes } from './skillPacks.js';
import { roleRoutes } from './roles.js';
import { templateRoutes } from './templates.js';
import { eventRoutes } from './events.js';
import { artifactRoutes } from './artifacts.js';
import { handoffRoutes } from './handoffs.js';
import { runRoutes } from './runs.js';
import { taskRoutes } from './tasks.js';
import { runnerApiRoutes } from './runnerApi.js';
import { approvalRoutes } from './approvals.js';
import { assistantRoutes } from './assistant.js';
import { drillRoutes } from './drills.js';

/** One line per resource module. */
export function registerRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  router: (tag: string) => Router,
): void {
  metaRoutes(router('meta'), ctx);
  projectRoutes(router('projects'), ctx);
  skillPackRoutes(router('skill-packs'), ctx);
  roleRoutes(router('roles'), ctx);
  templateRoutes(router('workflow-templates'), ctx);
  eventRoutes(router('events'), ctx, app);
  artifactRoutes(router('artifacts'), ctx);
  handoffRoutes(router('handoffs'), ctx);
  runRoutes(router('workflow-runs'), ctx);
  taskRoutes(router('tasks'), ctx);
  runnerApiRoutes(router('runners'), ctx);
  approvalRoutes(router('approvals'), ctx);
  assistantRoutes(router('assistant'), ctx);
  drillRoutes(router('drills'), ctx);
}
