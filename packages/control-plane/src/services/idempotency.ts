import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { canonicalJson, IDEMPOTENCY_TTL_MS } from '../domain/idempotency.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import {
  claimIdempotencyKey,
  getIdempotencyKey,
  setIdempotencyResponse,
  type IdempotencyRow,
} from '../store/ops/idempotency.js';
import { json, withTx, type Store } from '../store/sql.js';
import type { ServiceContext } from './context.js';

/**
 * `Idempotency-Key` on creates. The key is written by the create's own write transaction (the store
 * wrapper below adds it to the first write transaction of the request that commits), so a crash can
 * never leave a create without its key or a key without its create. That row starts with the create
 * transaction's result as its answer; once the route has its final answer, the row is updated to it
 * before the client is answered. A retry within 24 h replays the row.
 */
interface Scope {
  key: string;
  route: string;
  hash: string;
  status: number;
  /** A write transaction of this request committed with the key. */
  recorded: boolean;
}

const scopes = new AsyncLocalStorage<Scope>();

const bodyHash = (body: unknown): string => createHash('sha256').update(canonicalJson(body)).digest('hex');
const WRAPPED = Symbol('idempotent-store');

/** A store whose write transactions, inside a request's key scope, record the key with the change. */
export function withIdempotency(store: Store, clock: Clock): Store {
  if ((store as unknown as Record<symbol, boolean>)[WRAPPED]) return store;
  const wrapped = withTx(store, (fn) => {
    const scope = scopes.getStore();
    if (!scope || scope.recorded) return store.tx(fn);
    return store
      .tx(async (sql) => {
        const out = await fn(sql);
        const now = clock.now();
        const row: IdempotencyRow = {
          key: scope.key,
          route: scope.route,
          body_hash: scope.hash,
          status: scope.status,
          response: json(out),
          created_at_ms: now,
        };
        // Thrown inside the transaction: a concurrent twin that committed first wins, this create
        // is rolled back.
        if (!(await claimIdempotencyKey(sql, row, now - IDEMPOTENCY_TTL_MS)))
          throw new AppError(
            'IDEMPOTENCY_KEY_IN_PROGRESS',
            `Idempotency-Key '${scope.key}' is held by a request that is still running; retry to get its answer`,
          );
        return out;
      })
      .then((out) => {
        scope.recorded = true;
        return out;
      });
  });
  Object.defineProperty(wrapped, WRAPPED, { value: true });
  return wrapped;
}

export type Replay = { status: number; body: string };

/**
 * Run a create under its key. A live row for the key: the same route and body get its answer again
 * (`replay`), anything else is 422 IDEMPOTENCY_KEY_REUSED. No row (or an expired one): `create` runs
 * with the key in scope, and its final answer is stored before it is returned.
 */
export async function idempotent(
  ctx: ServiceContext,
  key: string,
  route: string,
  body: unknown,
  status: number,
  create: () => Promise<unknown>,
): Promise<{ replay: Replay } | { out: unknown }> {
  const hash = bodyHash(body);
  const prior = await ctx.store.read((sql) => getIdempotencyKey(sql, key));
  if (prior && prior.created_at_ms >= ctx.clock.now() - IDEMPOTENCY_TTL_MS) {
    if (prior.route !== route || prior.body_hash !== hash)
      throw new AppError(
        'IDEMPOTENCY_KEY_REUSED',
        `Idempotency-Key '${key}' was used for ${prior.route === route ? 'a different body' : prior.route}; use a new key for a new request`,
        { field: 'Idempotency-Key' },
      );
    return { replay: { status: prior.status, body: prior.response } };
  }
  const scope: Scope = { key, route, hash, status, recorded: false };
  const out = await scopes.run(scope, create);
  if (scope.recorded) await ctx.store.tx((sql) => setIdempotencyResponse(sql, key, status, json(out)));
  return { out };
}
