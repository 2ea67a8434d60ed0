/**
 * Who is calling a runner route (issue 18, item 4). A runner's own credential
 * (`X-Runner-Credential: <id>.<secret>`, issued at registration) identifies it; the shared
 * `X-Runner-Token` is only a bootstrap token (registration) and the first version's callback token
 * (`POST /runner/tasks/{id}/status`). docs/architecture.md (security) lists what is accepted where.
 */
import type { FastifyRequest } from 'fastify';
import { AppError } from '../lib/errors.js';
import { CREDENTIAL_HEADER, parseCredential, secretMatches } from '../lib/runnerIdentity.js';
import { getRunner } from '../store/ops/runners.js';
import type { ServiceContext } from '../services/context.js';
import { cachedCredentialHash, rememberCredentialHash } from '../services/credentialCache.js';
import { checkRunnerToken } from './auth.js';

/**
 * `own`: the runner's credential only. `own-or-shared`: also the shared token alone (v1 callbacks).
 * `bootstrap`: the shared token or a credential (registration; the registry decides on the name).
 */
export type RunnerAuthMode = 'own' | 'own-or-shared' | 'bootstrap';

/** The authenticated runner, or null (the shared token alone, or runner auth off). */
export type RunnerIdentity = number | null;

export async function authenticateRunner(
  req: FastifyRequest,
  ctx: ServiceContext,
  mode: RunnerAuthMode,
): Promise<RunnerIdentity> {
  // Runner auth off (first-version runners, drill scripts): nobody is identified, nothing is refused.
  if (!ctx.config.runnerAuth) return null;
  const raw = req.headers[CREDENTIAL_HEADER];
  if (raw !== undefined) {
    const runnerId = await credentialOwner(ctx, raw);
    if (runnerId !== null) return runnerId;
    // A runner whose credential the API no longer knows (a fresh store, an operator reset) registers
    // again with the bootstrap token, which our runner always sends along.
    if (mode !== 'bootstrap')
      throw new AppError(
        'RUNNER_CREDENTIAL_INVALID',
        'the runner credential is not valid (reset, or unknown)',
      );
  }
  checkRunnerToken(req, ctx.runnerToken, true);
  if (mode === 'own')
    throw new AppError(
      'RUNNER_CREDENTIAL_INVALID',
      `this call needs the runner's own credential (${CREDENTIAL_HEADER}), issued at registration`,
    );
  return null;
}

async function credentialOwner(ctx: ServiceContext, raw: unknown): Promise<number | null> {
  const parsed = parseCredential(raw);
  if (!parsed) return null;
  let hash = cachedCredentialHash(ctx.store, parsed.runnerId);
  if (hash === undefined) {
    const row = await ctx.store.read((sql) => getRunner(sql, parsed.runnerId));
    if (!row) return null;
    hash = row.credential_hash;
    rememberCredentialHash(ctx.store, parsed.runnerId, hash);
  }
  return secretMatches(hash, parsed.secret) ? parsed.runnerId : null;
}
