import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { IdParam } from '@multyagents/contracts';
import type { ServiceContext } from '../services/context.js';
import { checkOperatorToken } from './auth.js';
import { authenticateRunner, type RunnerAuthMode, type RunnerIdentity } from './runnerAuth.js';
import type { OpenApiRegistry } from './openapi.js';
import { parseIdempotencyKey } from '../domain/idempotency.js';
import { idempotent } from '../services/idempotency.js';
import { parse } from './validate.js';
import { redactDeep } from '../lib/redact.js';

export interface RouteInput<B, Q> {
  body: B;
  query: Q;
  id: number;
  /** The runner whose own credential authenticated the call (runner routes); null otherwise. */
  runner: RunnerIdentity;
  req: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteSpec<BS extends z.ZodType | undefined, QS extends z.ZodType | undefined> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  summary: string;
  body?: BS;
  query?: QS;
  /**
   * `operator` (default): the optional operator token; `runner`: the runner's own credential
   * (`runner-or-shared`: or the shared X-Runner-Token alone, v1 callbacks; `runner-bootstrap`: the
   * shared token or a credential, registration); `none`: open.
   */
  auth?: 'operator' | 'runner' | 'runner-or-shared' | 'runner-bootstrap' | 'none';
  /**
   * The body is operator input that is stored and shown again (titles, descriptions, payloads, reasons):
   * every string in it is redacted once here, before the service sees it, so no view, event or audit
   * can return a secret pasted into it. Templates, roles and skill packs are left as written: they are
   * configuration the agent's prompt is built from (docs/security.md).
   */
  redactBody?: boolean;
  /** 204 for deletes. */
  status?: number;
  /** A create: an `Idempotency-Key` header makes its retries answer the first result (services/idempotency.ts). */
  idempotent?: boolean;
  handler: (
    input: RouteInput<
      BS extends z.ZodType ? z.output<BS> : undefined,
      QS extends z.ZodType ? z.output<QS> : undefined
    >,
  ) => Promise<unknown>;
}

const RUNNER_MODES: Record<string, RunnerAuthMode> = {
  runner: 'own',
  'runner-or-shared': 'own-or-shared',
  'runner-bootstrap': 'bootstrap',
};

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
        let runner: RunnerIdentity = null;
        if (auth.startsWith('runner')) runner = await authenticateRunner(req, ctx, RUNNER_MODES[auth]!);
        else if (auth === 'operator') checkOperatorToken(req, ctx.config.operatorToken);
        const params = req.params as Record<string, string>;
        const id = params.id !== undefined ? parse(IdParam, params, 'path').id : 0;
        // Runner-protocol bodies tolerate unknown fields: a runner one version ahead of the API (or a
        // first-version runner) must keep reporting. Operator bodies refuse them (422 UNKNOWN_FIELD).
        const parsed = spec.body ? parse(spec.body, req.body, 'body', !auth.startsWith('runner')) : undefined;
        const body = spec.redactBody ? redactDeep(parsed, ctx.redact) : parsed;
        const query = spec.query ? parse(spec.query, req.query, 'query') : undefined;
        const call = () => spec.handler({ body, query, id, runner, req, reply } as never);
        const key = spec.idempotent ? parseIdempotencyKey(req.headers['idempotency-key']) : null;
        let out: unknown;
        if (key === null) out = await call();
        else {
          const route = `${spec.method} ${spec.path}`;
          const r = await idempotent(ctx, key, route, req.body ?? null, spec.status ?? 200, call);
          if ('replay' in r)
            return reply
              .code(r.replay.status)
              .header('content-type', 'application/json; charset=utf-8')
              .header('idempotent-replayed', 'true')
              .send(r.replay.body);
          out = r.out;
        }
        if (reply.sent) return reply;
        if (spec.status === 204) return reply.code(204).send();
        return reply.code(spec.status ?? 200).send(out);
      },
    });
  };
}

export type Router = ReturnType<typeof makeRouter>;
