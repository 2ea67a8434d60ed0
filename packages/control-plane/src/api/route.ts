import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { IdParam } from '@multyagents/contracts';
import type { ServiceContext } from '../services/context.js';
import { checkOperatorToken, checkRunnerToken } from './auth.js';
import type { OpenApiRegistry } from './openapi.js';
import { parse } from './validate.js';
import { redactDeep } from '../lib/redact.js';

export interface RouteInput<B, Q> {
  body: B;
  query: Q;
  id: number;
  req: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteSpec<BS extends z.ZodType | undefined, QS extends z.ZodType | undefined> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  summary: string;
  body?: BS;
  query?: QS;
  /** `operator` (default): the optional operator token; `runner`: X-Runner-Token; `none`: open. */
  auth?: 'operator' | 'runner' | 'none';
  /**
   * The body is operator input that is stored and shown again (titles, descriptions, payloads, reasons):
   * every string in it is redacted once here, before the service sees it, so no view, event or audit
   * can return a secret pasted into it. Templates, roles and skill packs are left as written: they are
   * configuration the agent's prompt is built from (docs/security.md).
   */
  redactBody?: boolean;
  /** 204 for deletes. */
  status?: number;
  handler: (
    input: RouteInput<
      BS extends z.ZodType ? z.output<BS> : undefined,
      QS extends z.ZodType ? z.output<QS> : undefined
    >,
  ) => Promise<unknown>;
}

/** Thin routes: authenticate → parse with the contract schema → call the service → reply. */
export function makeRouter(
  app: FastifyInstance,
  ctx: ServiceContext,
  registry: OpenApiRegistry,
  tag: string,
) {
  return function route<
    BS extends z.ZodType | undefined = undefined,
    QS extends z.ZodType | undefined = undefined,
  >(spec: RouteSpec<BS, QS>): void {
    registry.add({
      method: spec.method,
      path: spec.path,
      summary: spec.summary,
      body: spec.body,
      query: spec.query,
      tag,
    });
    app.route({
      method: spec.method,
      url: spec.path,
      handler: async (req, reply) => {
        const auth = spec.auth ?? 'operator';
        if (auth === 'runner') checkRunnerToken(req, ctx.runnerToken, ctx.config.runnerAuth);
        else if (auth === 'operator') checkOperatorToken(req, ctx.config.operatorToken);
        const params = req.params as Record<string, string>;
        const id = params.id !== undefined ? parse(IdParam, params, 'path').id : 0;
        const parsed = spec.body ? parse(spec.body, req.body, 'body') : undefined;
        const body = spec.redactBody ? redactDeep(parsed, ctx.redact) : parsed;
        const query = spec.query ? parse(spec.query, req.query, 'query') : undefined;
        const out = await spec.handler({ body, query, id, req, reply } as never);
        if (reply.sent) return reply;
        if (spec.status === 204) return reply.code(204).send();
        return reply.code(spec.status ?? 200).send(out);
      },
    });
  };
}

export type Router = ReturnType<typeof makeRouter>;
