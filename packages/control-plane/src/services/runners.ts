/**
 * Runner registry: registration (a restarted runner tells us what it still holds), heartbeats
 * (liveness, and the answer carries cancels owed to the runner), and the listing.
 */
import type { RunnerAttemptState, RunnerHeartbeat, RunnerRegister } from '@multyagents/contracts';
import { iso } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { getAttempt, liveAttemptsOfRunner, liveAttemptCounts } from '../store/ops/attempts.js';
import { addPendingCancel, pendingCancelsFor, removePendingCancel } from '../store/ops/cancels.js';
import { insertEvent } from '../store/ops/events.js';
import {
  clearRunnerCredential,
  getRunner,
  getRunnerByName,
  listRunners,
  upsertRunner,
  type RunnerRow,
} from '../store/ops/runners.js';
import { formatCredential, newSecret, runnerUrlProblem } from '../lib/runnerIdentity.js';
import { getTaskRow, updateTask } from '../store/ops/tasks.js';
import type { Sql } from '../store/sql.js';
import { json, parseJson } from '../store/sql.js';
import type { ServiceContext } from './context.js';
import { applyTaskEvent } from './lifecycle.js';
import { forgetCredentialHash } from './credentialCache.js';
import { markRunnerDraining, markRunnerReachable, markRunnerUnreachable } from './liveness.js';
import { isLiveCurrent } from '../domain/attemptMachine.js';

/** Lost: unreachable for longer than the lost grace; the sweeper fails its attempts over from then on. */
function lostAt(r: RunnerRow, lostGraceMs: number): number | null {
  return r.liveness === 'unreachable' && r.unreachable_since !== null
    ? r.unreachable_since + lostGraceMs
    : null;
}

export function runnerView(
  r: RunnerRow,
  active = 0,
  at?: { now: number; lostGraceMs: number; heartbeatTimeoutMs: number },
) {
  const lost = at ? lostAt(r, at.lostGraceMs) : null;
  return {
    id: r.id,
    name: r.name,
    url: r.url,
    capacity: r.capacity,
    labels: parseJson<string[]>(r.labels, []),
    executor: r.executor,
    version: r.version,
    liveness: r.liveness,
    last_seen_at: iso(r.last_seen_at),
    unreachable_since: r.unreachable_since === null ? null : iso(r.unreachable_since),
    registered_at: r.registered_at,
    boot_count: r.boot_count,
    draining: r.draining === 1,
    /** Ours: what the runner can honour (git-worktree, bwrap, docker); none for an older runner. */
    capabilities: parseJson<string[]>(r.capabilities, []),
    active_attempts: active,
    /** Ours: when its own credential was issued; null: none (the next registration claims the name). */
    credential_issued_at: r.credential_issued_at,
    /**
     * Ours: an unreachable runner is lost once it stays unreachable past the lost grace: its live
     * attempts are failed over (`task.runner_lost`). `lost_at` is that moment (null while reachable or
     * stopped gracefully); `lost` whether it has passed.
     */
    ...(at
      ? {
          lost_at: lost === null ? null : iso(lost),
          lost: lost !== null && at.now > lost,
          /** Silence longer than this makes the API mark an online runner unreachable. */
          heartbeat_timeout_ms: at.heartbeatTimeoutMs,
        }
      : {}),
  };
}

/**
 * Register a runner. A new name gets a row and its own credential (returned once, only its hash
 * kept). An existing name is registered again only by the runner holding its credential — or by
 * anyone once the name has no credential (registered before credentials existed, or reset by an
 * operator), who then gets a fresh one. Anyone else is refused 409 RUNNER_NAME_TAKEN, audited, and
 * nothing of the runner (URL, attempts) changes. With runner auth off nobody is refused.
 */
export async function registerRunner(
  ctx: ServiceContext,
  body: RunnerRegister,
  caller: number | null = null,
) {
  const urlProblem = runnerUrlProblem(body.url);
  if (urlProblem) throw new AppError('RUNNER_URL_INVALID', `url: ${urlProblem}`, { field: 'url' });
  const out = await ctx.store.tx(async (sql) => {
    const now = ctx.clock.now();
    const nowIso = iso(now);
    const existing = await getRunnerByName(sql, body.name);
    const owner = existing !== undefined && existing.credential_hash !== null;
    if (owner && ctx.config.runnerAuth && caller !== existing.id) {
      await insertEvent(
        sql,
        {
          event_type: 'runner.takeover_refused',
          producer_role: 'runner',
          payload: {
            runner_id: existing.id,
            name: body.name,
            url: body.url,
            current_url: existing.url,
            presented: caller === null ? 'bootstrap-token' : `credential of runner ${caller}`,
          },
        },
        nowIso,
      );
      return {
        error: new AppError(
          'RUNNER_NAME_TAKEN',
          `runner ${existing.id} is registered as ${JSON.stringify(body.name)}; register it again with its own credential, or have an operator reset it (POST /runners/${existing.id}/reset-credential)`,
          { runner_id: existing.id },
        ),
      };
    }
    // The credential is issued when the name is claimed; a re-registration keeps the one it presented.
    const issued = owner ? null : newSecret();
    if (existing) forgetCredentialHash(ctx.store, existing.id);
    const { id, isNew } = await upsertRunner(
      sql,
      existing,
      {
        name: body.name,
        url: body.url,
        capacity: body.capacity,
        labels: json(body.labels),
        executor: body.executor,
        version: body.version ?? null,
        capabilities: json([...new Set(body.capabilities)]),
      },
      issued ? { hash: issued.hash, issuedAt: nowIso } : undefined,
      now,
      nowIso,
    );
    await insertEvent(
      sql,
      {
        event_type: 'runner.registered',
        producer_role: 'runner',
        payload: { runner_id: id, name: body.name, url: body.url, new: isNew, credential_issued: !!issued },
      },
      nowIso,
    );
    await adoptRunnerView(ctx, sql, id, body.attempts, 'register');
    const runner = (await getRunner(sql, id))!;
    return {
      ...runnerView(runner),
      heartbeat_interval_ms: Math.max(100, Math.floor(ctx.config.heartbeatTimeoutMs / 5)),
      heartbeat_timeout_ms: ctx.config.heartbeatTimeoutMs,
      // Told once: the runner keeps it (its data dir) and sends it as X-Runner-Credential from now on.
      credential: issued ? formatCredential(id, issued.secret) : null,
    };
  });
  if ('error' in out) throw out.error;
  forgetCredentialHash(ctx.store, out.id);
  ctx.kick();
  return out;
}

/**
 * Operator: the runner's credential stops working at once, and the next registration under its name
 * (with the bootstrap token) claims it and gets a fresh one — how a runner that lost its data dir is
 * let back in. Its attempts are not touched: the runner that registers tells what it holds.
 */
export async function resetRunnerCredential(ctx: ServiceContext, id: number) {
  // Forgotten inside the transaction and again after it: a verify between the two reads the store.
  const out = await resetInTx(ctx, id);
  forgetCredentialHash(ctx.store, id);
  return out;
}

function resetInTx(ctx: ServiceContext, id: number) {
  return ctx.store.tx(async (sql) => {
    const r = await getRunner(sql, id);
    if (!r) throw new AppError('RUNNER_NOT_FOUND', `runner ${id} is not registered`);
    forgetCredentialHash(ctx.store, id);
    await clearRunnerCredential(sql, id);
    await insertEvent(
      sql,
      {
        event_type: 'runner.credential_reset',
        producer_role: 'operator',
        payload: { runner_id: id, name: r.name, had_credential: r.credential_hash !== null },
      },
      iso(ctx.clock.now()),
    );
    return runnerView(
      (await getRunner(sql, id))!,
      (await liveAttemptsOfRunner(sql, id)).length,
      lostTiming(ctx),
    );
  });
}

const lostTiming = (ctx: ServiceContext) => ({
  now: ctx.clock.now(),
  lostGraceMs: ctx.config.lostGraceMs,
  heartbeatTimeoutMs: ctx.config.heartbeatTimeoutMs,
});

/**
 * Compare what a runner says it holds with the attempts we think it runs. Used at registration
 * (a runner that restarted lost its processes) and by the reconciler at API start.
 */
export async function adoptRunnerView(
  ctx: ServiceContext,
  sql: Sql,
  runnerId: number,
  held: RunnerAttemptState[],
  source: 'register' | 'reconcile',
) {
  const byTask = new Map(held.map((a) => [`${a.task_id}:${a.attempt}`, a]));
  const nowIso = iso(ctx.clock.now());
  for (const live of await liveAttemptsOfRunner(sql, runnerId)) {
    const t = await getTaskRow(sql, live.task_id);
    if (!t || !isLiveCurrent(t, live)) continue;
    const known = byTask.get(`${live.task_id}:${live.attempt}`);
    if (!known) {
      if (t.status === 'dispatched') {
        // The submit may never have arrived: send the same attempt again (idempotent on the runner).
        await updateTask(sql, t.id, { resubmit_pending: 1 }, nowIso);
        continue;
      }
      // If the runner does run it after all (a submit that raced the registration), it must stop.
      await addPendingCancel(sql, t.id, t.attempt, runnerId, nowIso);
      await applyTaskEvent(
        ctx,
        sql,
        t,
        { type: 'lost', retry: false },
        {
          eventType: 'task.runner_lost',
          payload: { source, reason: 'the runner no longer knows this attempt' },
          patch: { message: 'the runner restarted and no longer runs this attempt' },
          failure: { step: 'runner-restarted', runnerUrl: live.runner_url, message: `detected at ${source}` },
        },
      );
      continue;
    }
    if (t.status === 'dispatched' && (known.status === 'queued' || known.status === 'running')) {
      await applyTaskEvent(
        ctx,
        sql,
        t,
        { type: 'submitted' },
        {
          eventType: 'task.reconciled',
          payload: { source, runner_status: known.status },
          patch: {
            deadline_at: ctx.clock.now() + (t.timeout_seconds ?? ctx.config.defaultTaskTimeoutS) * 1000,
          },
        },
      );
    }
    // Terminal outcomes the runner holds arrive through its outbox with the full report.
  }
}

export async function heartbeat(
  ctx: ServiceContext,
  runnerId: number,
  body: RunnerHeartbeat,
  caller: number | null = null,
) {
  // A runner speaks only for itself (runner auth on: `caller` is the credential's runner).
  if (ctx.config.runnerAuth && caller !== runnerId)
    throw new AppError('RUNNER_CREDENTIAL_INVALID', `the credential is not runner ${runnerId}'s`);
  return ctx.store.tx(async (sql) => {
    const runner = await getRunner(sql, runnerId);
    if (!runner) throw new AppError('RUNNER_NOT_FOUND', `runner ${runnerId} is not registered`);
    if (body.stopped) {
      // Its last word: it drained, reported what it held and is exiting. No cancels to hand out.
      await markRunnerUnreachable(ctx, sql, runner, { source: 'heartbeat', reason: 'stopped' }, 'offline');
      return { ok: true, runner_id: runnerId, cancel: [] };
    }
    await markRunnerReachable(ctx, sql, runner, 'heartbeat');
    if (body.draining !== undefined) await markRunnerDraining(ctx, sql, runner, 'heartbeat', body.draining);
    const held = new Map(body.attempts.map((a) => [`${a.task_id}:${a.attempt}`, a]));
    const cancel: { task_id: number; attempt: number }[] = [];
    for (const c of await pendingCancelsFor(sql, runnerId)) {
      const h = held.get(`${c.task_id}:${c.attempt}`);
      // Done once the runner reports the attempt finished; kept while it is live or unknown to it
      // (a submit may still be in flight; cancel delivery drops it when the runner answers 404).
      if (h && h.status !== 'queued' && h.status !== 'running')
        await removePendingCancel(sql, c.task_id, c.attempt);
      else cancel.push(c);
    }
    // Safety net against zombies: anything the runner still runs that is not the task's current live
    // attempt on this runner must stop, whatever path fenced it.
    for (const h of body.attempts) {
      if (h.status !== 'queued' && h.status !== 'running') continue;
      if (cancel.some((c) => c.task_id === h.task_id && c.attempt === h.attempt)) continue;
      const t = await getTaskRow(sql, h.task_id);
      const a = t ? await getAttempt(sql, h.task_id, h.attempt) : undefined;
      const current = t && a && a.runner_id === runnerId && isLiveCurrent(t, a);
      if (!current) cancel.push({ task_id: h.task_id, attempt: h.attempt });
    }
    return { ok: true, runner_id: runnerId, cancel };
  });
}

export async function listRunnerViews(ctx: ServiceContext) {
  return ctx.store.read(async (sql) => {
    const counts = new Map((await liveAttemptCounts(sql)).map((c) => [c.runner_id, c.n]));
    const at = lostTiming(ctx);
    return (await listRunners(sql)).map((r) => runnerView(r, counts.get(r.id) ?? 0, at));
  });
}

export async function getRunnerView(ctx: ServiceContext, id: number) {
  return ctx.store.read(async (sql) => {
    const r = await getRunner(sql, id);
    if (!r) throw new AppError('RUNNER_NOT_FOUND', `runner ${id} is not registered`);
    return runnerView(r, (await liveAttemptsOfRunner(sql, id)).length, lostTiming(ctx));
  });
}
