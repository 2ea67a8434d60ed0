import crypto from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { RunnerSubmit } from '@multyagents/contracts';
import { AppError, coerceError } from '../lib/errors.js';
import { lazySchemaCompilers } from '../lib/fastifyCompilers.js';
import { emptyJsonIsNoBody } from '../lib/fastifyJson.js';
import { installErrorHandlers } from '../lib/httpErrors.js';
import type { Logger } from '../lib/logger.js';
import type { Attempts } from './attempts.js';
import { toAttemptState, type Journal } from './journal.js';

export interface RunnerAppDeps {
  attempts: Attempts;
  journal: Journal;
  token: string;
  logger: Logger;
  health: () => Record<string, unknown>;
  /** Terminal attempts younger than this stay in the `GET /tasks` listing. */
  recentMs: number;
  now: () => number;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function taskIdParam(raw: unknown): number {
  const id = Number(raw);
  if (!Number.isInteger(id) || id <= 0) {
    throw new AppError(
      'VALIDATION_FAILED',
      [{ loc: ['path', 'id'], msg: 'must be a positive integer', type: 'int' }],
      {
        field: 'id',
      },
    );
  }
  return id;
}

const MAX_BATCH = 500;

/** A submit body, validated (zod, then the callback URLs); throws VALIDATION_FAILED at `loc`. */
function parseSubmit(raw: unknown, loc: string[]): RunnerSubmit {
  const r = RunnerSubmit.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({
      loc: [...loc, ...i.path.map(String)],
      msg: i.message,
      type: i.code,
    }));
    throw new AppError('VALIDATION_FAILED', issues, {
      field: issues[0]?.loc.slice(loc.length).join('.') || 'body',
    });
  }
  for (const field of ['status_callback_url', 'log_callback_url'] as const) {
    const v = r.data[field];
    if (v !== undefined && !isHttpUrl(v)) {
      throw new AppError(
        'VALIDATION_FAILED',
        [{ loc: [...loc, field], msg: 'must be an http(s) URL', type: 'url' }],
        { field },
      );
    }
  }
  return r.data;
}

/** The runner's HTTP surface (CONTRACT.md "Runner side"). Everything but /health needs the token. */
export function buildRunnerApp(d: RunnerAppDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: 16 * 1024 * 1024,
    schemaController: lazySchemaCompilers(),
  });

  emptyJsonIsNoBody(app);

  app.addHook('onRequest', async (req) => {
    if (req.url === '/health' || req.url.startsWith('/health?')) return;
    const got = req.headers['x-runner-token'];
    if (typeof got !== 'string' || !safeEqual(got, d.token)) throw new AppError('RUNNER_TOKEN_INVALID');
  });

  installErrorHandlers(app, d.logger, 'runner request failed');

  app.get('/health', async () => d.health());

  app.post('/tasks/submit', async (req) => {
    // Resolves only once the attempt is durable in the journal: `queued` must survive a power loss.
    return await d.attempts.submit(parseSubmit(req.body, ['body']));
  });

  // Ours (docs/architecture.md "Batched runner traffic"): several submits, one durability barrier,
  // one answer per submit in order with the status code and body it would have had alone.
  app.post('/tasks/submit-batch', async (req) => {
    const list = (req.body as { submits?: unknown } | undefined)?.submits;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_BATCH) {
      throw new AppError(
        'VALIDATION_FAILED',
        [{ loc: ['body', 'submits'], msg: `must be an array of 1 to ${MAX_BATCH} submits`, type: 'array' }],
        { field: 'submits' },
      );
    }
    const parsed = list.map((raw, i) => {
      try {
        return parseSubmit(raw, ['body', 'submits', String(i)]);
      } catch (err) {
        return coerceError(err);
      }
    });
    const valid = parsed.filter((p): p is RunnerSubmit => !(p instanceof AppError));
    const answers = await d.attempts.submitMany(valid);
    let next = 0;
    const results = parsed.map((p) => {
      const a = p instanceof AppError ? p : answers[next++]!;
      if (!(a instanceof AppError)) return { status_code: 200, ...a };
      if (a.status >= 500) d.logger.error({ err: a }, 'runner batch submit failed');
      return { status_code: a.status, detail: a.detail, code: a.code, ...a.extra };
    });
    return { results };
  });

  app.get('/tasks', async () => {
    const since = new Date(d.now() - d.recentMs).toISOString();
    return { attempts: d.journal.held(since).map(toAttemptState) };
  });

  app.get<{ Params: { id: string } }>('/tasks/:id', async (req) => {
    const id = taskIdParam(req.params.id);
    const row = d.journal.newest(id);
    if (!row) throw new AppError('ATTEMPT_NOT_FOUND', `this runner holds no attempt of task ${id}`);
    return toAttemptState(row);
  });

  app.post<{ Params: { id: string } }>('/tasks/:id/cancel', async (req) => {
    const id = taskIdParam(req.params.id);
    const body = (req.body ?? {}) as { attempt?: unknown };
    const attempt = body.attempt === undefined || body.attempt === null ? undefined : Number(body.attempt);
    if (attempt !== undefined && (!Number.isInteger(attempt) || attempt <= 0)) {
      throw new AppError('VALIDATION_FAILED', 'attempt must be a positive integer', { field: 'attempt' });
    }
    return d.attempts.cancel(id, attempt);
  });

  return app;
}
