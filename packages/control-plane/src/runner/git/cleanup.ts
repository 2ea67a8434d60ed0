import fs from 'node:fs';
import path from 'node:path';
import { withRepoLease } from './lease.js';
import { gitWriteOk, runGitRetrying } from './locks.js';
import { attemptRef, dirtyRef, headOf, pinState } from './pin.js';
import { isAncestor, isDirty, listWorktrees, realOrSelf, refValue, resolveRepo } from './repo.js';
import { GitFail, type GitCtx, type OpTrace } from './types.js';

export interface CleanupInput {
  path: string;
  taskId: number;
  attempt: number;
  /** Keep the worktree on disk (its state is still pinned). */
  keep: boolean;
}

/** `removed`: the worktree is not on disk after the call (also when it was already gone). */
export interface CleanupResult {
  attempted: boolean;
  removed: boolean;
  message: string;
  /** Where the worktree's state is recorded (null when nothing could be pinned). */
  pinned_ref: string | null;
  staleLocksCleared: string[];
}

/** A process (an agent, a dev server it started, a shell) whose working directory is inside `dir`. */
export function processInside(dir: string): number | null {
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return null;
  }
  for (const pid of pids.slice(0, 100_000)) {
    try {
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      if (cwd === dir || cwd.startsWith(dir + path.sep)) return Number(pid);
    } catch {
      /* not ours to read, or gone */
    }
  }
  return null;
}

export interface CleanupRefs {
  /** The attempt's pin: must record HEAD before the worktree may go. */
  pin: string;
  /** Where uncommitted work is pinned (the worktree then stays). */
  dirty: string;
}

export async function cleanup(ctx: GitCtx, input: CleanupInput): Promise<CleanupResult> {
  const refs = { pin: attemptRef(input.taskId, input.attempt), dirty: dirtyRef(input.taskId, input.attempt) };
  return cleanupWith(ctx, input.path, refs, input.keep);
}

/** Prove the worktree's work is recorded, then remove it; every doubt keeps it on disk. */
export async function cleanupWith(
  ctx: GitCtx,
  wtPath: string,
  refs: CleanupRefs,
  keep: boolean,
): Promise<CleanupResult> {
  const trace: OpTrace = { staleLocksCleared: [] };
  const result = (removed: boolean, message: string, pinned: string | null): CleanupResult => ({
    attempted: !keep,
    removed,
    message,
    pinned_ref: pinned,
    staleLocksCleared: trace.staleLocksCleared,
  });
  if (!fs.existsSync(wtPath)) return result(true, `worktree ${wtPath} is already gone`, null);
  const wt = realOrSelf(wtPath);
  try {
    const root = realOrSelf(ctx.worktreesDir);
    if (!wt.startsWith(root + path.sep))
      return result(false, `${wt} is not under the worktrees dir ${root}; not touched`, null);
    const repo = await resolveRepo(ctx, wt);
    const cwd = repo.commonDir;
    const entries = await listWorktrees(ctx, cwd);
    const entry = entries.find((e) => realOrSelf(e.path) === wt);
    if (!entry || entry === entries[0])
      return result(false, `${wt} is not a linked worktree of ${cwd}; not touched`, null);
    const user = processInside(wt);
    if (user !== null) return result(false, `process ${user} is still working in ${wt}; kept`, null);
    return await withRepoLease(ctx, cwd, async () => {
      if (entry.locked) return result(false, `worktree ${wt} is locked (git worktree lock); kept`, null);
      if (await isDirty(ctx, wt, true)) {
        const pin = await pinState(ctx, repo, wt, refs.dirty, trace);
        return result(false, `uncommitted changes kept on disk, pinned at ${pin.ref} (${pin.sha})`, pin.ref);
      }
      const head = await headOf(ctx, wt);
      const pinned = await refValue(ctx, cwd, refs.pin);
      if (pinned === null) {
        await gitWriteOk(ctx, ['update-ref', '-m', 'multyagents: pin', refs.pin, head], {
          cwd,
          commonDir: cwd,
          trace,
        });
      } else if (pinned !== head && !(await isAncestor(ctx, cwd, head, pinned))) {
        return result(false, `HEAD ${head} is not recorded by ${refs.pin} (${pinned}); kept`, refs.pin);
      }
      if (keep)
        return result(false, `kept on disk (worktree cleanup is off); HEAD pinned at ${refs.pin}`, refs.pin);
      let r = await runGitRetrying(ctx, ['worktree', 'remove', wt], { cwd, commonDir: cwd, trace });
      // Proven clean above (ignored files aside): --force only drops what git would not count as work.
      if (r.code !== 0 && !(await isDirty(ctx, wt, true))) {
        r = await runGitRetrying(ctx, ['worktree', 'remove', '--force', wt], { cwd, commonDir: cwd, trace });
      }
      if (r.code !== 0)
        return result(false, `git worktree remove failed: ${r.stderr.trim().slice(-1000)}`, refs.pin);
      await runGitRetrying(ctx, ['worktree', 'prune'], { cwd, commonDir: cwd, trace });
      removeEmptyParent(wt);
      return result(true, `removed; HEAD ${head} pinned at ${refs.pin}`, refs.pin);
    });
  } catch (e) {
    if (e instanceof GitFail) return result(false, `not removed: ${e.message}`, null);
    throw e;
  }
}

/** `run-<id>/` folders left empty once their last step's worktree is gone. */
function removeEmptyParent(wt: string): void {
  const parent = path.dirname(wt);
  if (!path.basename(parent).startsWith('run-')) return;
  try {
    fs.rmdirSync(parent);
  } catch {
    /* not empty, or gone */
  }
}
