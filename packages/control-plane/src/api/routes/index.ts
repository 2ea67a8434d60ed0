import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../../services/context.js';
import type { Router } from '../route.js';
import { metaRoutes } from './meta.js';
import { projectRoutes } from './projects.js';

/** One line per resource module. */
export function registerRoutes(
  _app: FastifyInstance,
  ctx: ServiceContext,
  router: (tag: string) => Router,
): void {
  metaRoutes(router('meta'), ctx);
  projectRoutes(router('projects'), ctx);
}
