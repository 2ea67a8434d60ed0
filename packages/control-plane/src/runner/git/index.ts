import fs from 'node:fs';
import path from 'node:path';
import { cleanup, type CleanupInput, type CleanupResult } from './cleanup.js';
import { commitResult, moveBranch, type CommitInput, type CommitResult } from './commit.js';
import { land, type LandInput, type LandResult } from './land.js';
import { withRepoLease } from './lease.js';
import { attemptRef, pinState, type PinResult } from './pin.js';
import { resolveRepo } from './repo.js';
import { diskUsage, sweep, type SweepInput, type SweepReport } from './sweep.js';
import { boundary, type GitCtx, type GitFailure, type GitWorkspacesOptions, type OpTrace } from './types.js';
import { prepare, type PrepareInput, type PrepareResult } from './worktrees.js';

export type { CleanupInput, CleanupResult } from './cleanup.js';
export type { CommitInput, CommitResult } from './commit.js';
export type { LandInput, LandResult } from './land.js';
export type { PinResult } from './pin.js';
export type { DiffStats } from './stats.js';
export type { SweepInput, SweepReport } from './sweep.js';
export type { GitBehaviour, GitFailure, GitFailureReason, GitWorkspacesOptions } from './types.js';
export type { PrepareInput, PrepareResult } from './worktrees.js';
export { attemptRef, dirtyRef, replacedRef } from './pin.js';
export { LEASE_FILE } from './lease.js';

export interface PinInput {
  path: string;
  taskId: number;
  attempt: number;
}

export interface MoveBranchInput {
  repoRoot: string;
  branch: string;
  newSha: string;
  /** null: the branch must not exist yet. */
  expectedOld: string | null;
}

/**
 * The runner's git workspace library: one isolated worktree per attempt, results committed and
 * pinned, step branches and the target branch moved only by compare-and-swap, cleanup only after
 * proof. Expected git failures come back as `{ ok: false, ... }`; a throw is a bug.
 */
export interface GitWorkspaces {
  readonly worktreesDir: string;
  prepare(input: PrepareInput): Promise<PrepareResult | GitFailure>;
  commitResult(input: CommitInput): Promise<CommitResult | GitFailure>;
  pin(input: PinInput): Promise<({ ok: true; staleLocksCleared: string[] } & PinResult) | GitFailure>;
  moveBranch(input: MoveBranchInput): Promise<{ ok: true; staleLocksCleared: string[] } | GitFailure>;
  land(input: LandInput): Promise<LandResult | GitFailure>;
  cleanup(input: CleanupInput): Promise<CleanupResult>;
  sweep(input: SweepInput): Promise<SweepReport>;
  diskUsage(maxEntries?: number): { bytes: number; entries: number; truncated: boolean };
}

export function resolveGitOptions(opts: GitWorkspacesOptions): GitCtx {
  const worktreesDir = path.resolve(opts.worktreesDir);
  const emptyHooksDir = path.join(worktreesDir, '.multyagents-no-hooks');
  fs.mkdirSync(emptyHooksDir, { recursive: true });
  return {
    worktreesDir,
    logger: opts.logger,
    author: opts.author ?? { name: 'multyagents', email: 'multyagents@localhost' },
    gitTimeoutMs: opts.gitTimeoutMs ?? 120_000,
    staleLockMs: opts.staleLockMs ?? 30_000,
    lockRetry: opts.lockRetry ?? { attempts: 40, maxWaitMs: 60_000 },
    leaseWaitMs: opts.leaseWaitMs ?? 120_000,
    setupTimeoutMs: opts.setupTimeoutMs ?? 600_000,
    now: opts.now ?? Date.now,
    sleep: opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    baseEnv: opts.baseEnv ?? process.env,
    gitBinary: opts.gitBinary ?? 'git',
    emptyHooksDir,
  };
}

export function createGitWorkspaces(opts: GitWorkspacesOptions): GitWorkspaces {
  const ctx = resolveGitOptions(opts);
  return {
    worktreesDir: ctx.worktreesDir,
    prepare: (input) => prepare(ctx, input),
    commitResult: (input) => commitResult(ctx, input),
    pin: (input) => {
      const trace: OpTrace = { staleLocksCleared: [] };
      return boundary(trace, async () => {
        const repo = await resolveRepo(ctx, input.path);
        const ref = attemptRef(input.taskId, input.attempt);
        const pinned = await withRepoLease(ctx, repo.commonDir, () =>
          pinState(ctx, repo, input.path, ref, trace),
        );
        return { ok: true as const, ...pinned, staleLocksCleared: trace.staleLocksCleared };
      });
    },
    moveBranch: (input) => {
      const trace: OpTrace = { staleLocksCleared: [] };
      return boundary(trace, async () => {
        const repo = await resolveRepo(ctx, input.repoRoot);
        await withRepoLease(ctx, repo.commonDir, () =>
          moveBranch(ctx, repo, input.branch, input.newSha, input.expectedOld, trace),
        );
        return { ok: true as const, staleLocksCleared: trace.staleLocksCleared };
      });
    },
    land: (input) => land(ctx, input),
    cleanup: (input) => cleanup(ctx, input),
    sweep: (input) => sweep(ctx, input),
    diskUsage: (maxEntries) => diskUsage(ctx.worktreesDir, maxEntries),
  };
}
