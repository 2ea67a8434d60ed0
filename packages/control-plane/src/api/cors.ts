import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../lib/errors.js';
import type { CorsOrigins } from '../config/api.js';

/**
 * CORS for browser panels (the first version's UI ran on its own dev-server port). An allowed Origin
 * is echoed back; others get no CORS headers (the browser then hides the answer) and a refused
 * preflight. Credentials are never allowed: the operator token travels in a header the browser
 * sends only when the page's own code adds it, never from cookies. A small hook, not @fastify/cors:
 * the rule set is this file and nothing more.
 */
const METHODS = 'GET, POST, PUT, DELETE, OPTIONS';
const HEADERS = ['authorization', 'content-type', 'x-api-token', 'idempotency-key'];
const MAX_AGE_S = '600';
const EXPOSED = 'x-total-count, x-next-before-id, x-prev-before-id, x-page-offset, etag';

/** http(s)://localhost or 127.0.0.1 (or [::1]), any port: v1's default origin pattern. */
const LOCALHOST = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

export function originAllowed(origin: string, allowed: CorsOrigins): boolean {
  if (allowed.localhost && LOCALHOST.test(origin)) return true;
  return allowed.exact.includes(origin.replace(/\/$/, ''));
}

export function installCors(app: FastifyInstance, allowed: CorsOrigins): void {
  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    if (typeof origin !== 'string' || !originAllowed(origin, allowed)) return;
    reply.header('Access-Control-Allow-Origin', origin);
    reply.header('Vary', 'Origin');
    // The paged lists' headers (api/page.ts): a cross-origin panel may read them.
    reply.header('Access-Control-Expose-Headers', EXPOSED);
  });
  // A preflight reaches no route of ours (and carries no token): it is answered here.
  app.options('*', async (req: FastifyRequest, reply: FastifyReply) => {
    const origin = req.headers.origin;
    const method = req.headers['access-control-request-method'];
    if (typeof origin !== 'string' || typeof method !== 'string')
      throw new AppError('ROUTE_NOT_FOUND', `no route OPTIONS ${req.url}`);
    if (!originAllowed(origin, allowed))
      throw new AppError('CORS_ORIGIN_REFUSED', `origin ${origin} is not allowed`, { origin });
    const asked = String(req.headers['access-control-request-headers'] ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean);
    reply
      .header('Access-Control-Allow-Methods', METHODS)
      .header('Access-Control-Allow-Headers', [...new Set([...HEADERS, ...asked])].join(', '))
      .header('Access-Control-Max-Age', MAX_AGE_S)
      .code(204)
      .send();
  });
}
