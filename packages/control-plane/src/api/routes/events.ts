import type { FastifyInstance } from 'fastify';
import { EventCreate, EventListQuery, EventStreamQuery } from '@multyagents/contracts';
import { AppError } from '../../lib/errors.js';
import type { Router } from '../route.js';
import type { ServiceContext } from '../../services/context.js';
import { EventHub } from '../../services/eventHub.js';
import * as svc from '../../services/events.js';

/** `Last-Event-ID`: a durable event id, or nothing usable. */
function lastEventId(header: string | string[] | undefined): number | null {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined || !/^\d{1,15}$/.test(v.trim())) return null;
  return Number(v.trim());
}

export function eventRoutes(route: Router, ctx: ServiceContext, app: FastifyInstance): void {
  const hub = new EventHub(ctx.store, ctx.logger, {
    heartbeatMs: ctx.config.streamHeartbeatMs,
    slowClientMs: ctx.config.streamSlowClientMs,
    maxClients: ctx.config.streamMaxClients,
    windowSize: ctx.config.streamWindowEvents,
  });
  // Open streams would keep the server from closing: end them first.
  app.addHook('preClose', async () => hub.close());
  route({
    method: 'GET',
    path: '/events/stream',
    summary:
      'Server-sent events: every new event (filters run_id, task_id, event_type prefix); resume with Last-Event-ID or after_id',
    query: EventStreamQuery,
    handler: async ({ query, req, reply }) => {
      const after = lastEventId(req.headers['last-event-id']) ?? query.after_id ?? null;
      if (hub.size >= ctx.config.streamMaxClients)
        throw new AppError(
          'TOO_MANY_STREAMS',
          `the API serves ${hub.size} event streams already; try again later`,
        );
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        ...corsHeaders(reply),
      });
      res.socket?.setNoDelay(true);
      const filter = { run_id: query.run_id, task_id: query.task_id, type_prefix: query.event_type };
      if (!(await hub.attach(res, filter, after))) {
        res.end(`event: error\ndata: ${JSON.stringify({ code: 'TOO_MANY_STREAMS' })}\n\n`);
      }
    },
  });
  route({
    method: 'GET',
    path: '/events',
    summary: 'List events (oldest first; page with after_id)',
    query: EventListQuery,
    handler: ({ query }) => svc.listEvents(ctx, query),
  });
  route({
    method: 'POST',
    path: '/events',
    idempotent: true,
    summary: 'Record an event from an external producer',
    body: EventCreate,
    redactBody: true,
    handler: ({ body }) => svc.createEvent(ctx, body),
  });
}

/** Headers the CORS hook already set on the reply (a hijacked reply writes its own head). */
function corsHeaders(reply: { getHeaders(): Record<string, unknown> }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(reply.getHeaders()))
    if (k.startsWith('access-control-') || k === 'vary') out[k] = String(v);
  return out;
}
