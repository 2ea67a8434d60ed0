import Fastify, { type FastifyInstance } from 'fastify';
import { ERROR_CODES } from '@multyagents/contracts';
import { lazySchemaCompilers } from '../lib/fastifyCompilers.js';
import { emptyJsonIsNoBody } from '../lib/fastifyJson.js';
import { installErrorHandlers } from '../lib/httpErrors.js';
import type { ServiceContext } from '../services/context.js';
import { withIdempotency } from '../services/idempotency.js';
import { installCors } from './cors.js';
import { OpenApiRegistry } from './openapi.js';
import { panelRoutes } from './panel.js';
import { makeRouter } from './route.js';
import { registerRoutes } from './routes/index.js';

/**
 * Build the HTTP app without listening (tests call `app.inject`). Every error leaves as
 * `{detail, code, ...}` with the status from the error catalogue.
 */
export async function buildApp(ctx: ServiceContext): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: ctx.config.bodyLimitBytes,
    // Runner reports and the scheduler must never be starved by slow clients.
    connectionTimeout: 30_000,
    keepAliveTimeout: 10_000,
    schemaController: lazySchemaCompilers(),
  });

  emptyJsonIsNoBody(app);

  installErrorHandlers(app, ctx.logger, 'request failed');
  installCors(app, ctx.config.corsOrigins);

  // Creates with an Idempotency-Key record it in their own transaction (services/idempotency.ts).
  ctx.store = withIdempotency(ctx.store, ctx.clock);
  const registry = new OpenApiRegistry();
  registerRoutes(app, ctx, (tag) => makeRouter(app, ctx, registry, tag));
  app.get('/openapi.json', async () => registry.document());
  app.get('/errors', async () => ERROR_CODES);
  panelRoutes(app, ctx.config.uiDir);
  return app;
}
