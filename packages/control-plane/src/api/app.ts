import Fastify, { type FastifyInstance } from 'fastify';
import { ERROR_CODES } from '@multyagents/contracts';
import { AppError, coerceError } from '../lib/errors.js';
import { lazySchemaCompilers } from '../lib/fastifyCompilers.js';
import { emptyJsonIsNoBody } from '../lib/fastifyJson.js';
import type { ServiceContext } from '../services/context.js';
import { OpenApiRegistry } from './openapi.js';
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

  app.setErrorHandler((err, req, reply) => {
    let e: AppError;
    const fe = err as { code?: string; statusCode?: number; message: string };
    if (err instanceof AppError) e = err;
    else if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      e = new AppError('BODY_TOO_LARGE', `body larger than ${ctx.config.bodyLimitBytes} bytes`);
    else if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      e = new AppError('VALIDATION_FAILED', 'content-type must be application/json');
    else if (
      fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
      fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      (fe.statusCode === 400 && err instanceof SyntaxError)
    ) {
      e = new AppError('INVALID_JSON', fe.message);
    } else e = coerceError(err);
    if (e.status >= 500) ctx.logger.error({ err, url: req.url, method: req.method }, 'request failed');
    void reply.code(e.status).send({ detail: e.detail, code: e.code, ...e.extra });
  });

  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ detail: `no route ${req.method} ${req.url}`, code: 'ROUTE_NOT_FOUND' });
  });

  const registry = new OpenApiRegistry();
  registerRoutes(app, ctx, (tag) => makeRouter(app, ctx, registry, tag));
  app.get('/openapi.json', async () => registry.document());
  app.get('/errors', async () => ERROR_CODES);
  return app;
}
