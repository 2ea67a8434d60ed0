import type { FastifyInstance } from 'fastify';
import { AppError, coerceError } from './errors.js';
import type { Logger } from './logger.js';

/**
 * Fastify's own errors (body parsing, limits) as catalogue codes. Anything else that is not an
 * AppError is a bug of ours: INTERNAL_ERROR.
 */
export function toAppError(err: unknown, bodyLimitBytes: number): AppError {
  if (err instanceof AppError) return err;
  const fe = err as { code?: string; statusCode?: number; message?: string };
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('BODY_TOO_LARGE', `body larger than ${bodyLimitBytes} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'content-type must be application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('INVALID_JSON', fe.message);
  }
  // Other requests Fastify refuses before our code runs (a malformed body or header) answer 400.
  if (fe.statusCode === 400) return new AppError('INVALID_JSON', fe.message);
  return coerceError(err);
}

/**
 * The error and not-found handlers of our two servers (API and runner): every error leaves as
 * `{detail, code, ...}` with the status the catalogue gives its code; 5xx are logged.
 */
export function installErrorHandlers(app: FastifyInstance, logger: Logger, what: string): void {
  app.setErrorHandler((err, req, reply) => {
    const e = toAppError(err, app.initialConfig.bodyLimit ?? 0);
    if (e.status >= 500) logger.error({ err, url: req.url, method: req.method }, what);
    void reply.code(e.status).send({ detail: e.detail, code: e.code, ...e.extra });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ detail: `no route ${req.method} ${req.url}`, code: 'ROUTE_NOT_FOUND' });
  });
}
