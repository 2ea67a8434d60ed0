import fs from 'node:fs';
import path from 'node:path';
import { describe, runGit, type GitCall, type GitResult } from './exec.js';
import { GitFail, type GitCtx, type OpTrace } from './types.js';

/** The lock files git leaves behind when it dies mid-write, which we may wait for and clear. */
const LOCK_NAMES = new Set(['index.lock', 'config.lock', 'HEAD.lock', 'ORIG_HEAD.lock', 'packed-refs.lock']);
const MAX_FD_ENTRIES = 200_000;

/** The lock file a failed git call complained about, or null when it failed for another reason. */
export function lockPathFromError(stderr: string, cwd: string): string | null {
  const created = /Unable to create '([^']+\.lock)': File exists/.exec(stderr);
  if (created) return path.resolve(cwd, created[1]);
  const config = /could not lock config file (.+?): File exists/.exec(stderr);
  if (config) return `${path.resolve(cwd, config[1])}.lock`;
  return null;
}

/** Git names the lock by the path it was given; compare by the real path of its directory. */
export function realLockPath(lockPath: string | null): string | null {
  if (lockPath === null) return null;
  try {
    return path.join(fs.realpathSync(path.dirname(lockPath)), path.basename(lockPath));
  } catch {
    return lockPath;
  }
}

/** Only git's own lock files inside this repository's git dir are ever touched. */
export function isClearableLock(lockPath: string, commonDir: string): boolean {
  if (!lockPath.startsWith(commonDir + path.sep)) return false;
  const rel = path.relative(commonDir, lockPath).split(path.sep);
  return LOCK_NAMES.has(rel[rel.length - 1]) || (rel.includes('refs') && lockPath.endsWith('.lock'));
}

/**
 * The pid of a process that has `file` open, or null. Processes whose fd table we may not read (other
 * users') are skipped: the age threshold is the main guard, this scan catches a slow live git.
 */
export function lockHolder(file: string): number | null {
  let seen = 0;
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return -1; // no /proc: we cannot prove nobody holds it
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      if (++seen > MAX_FD_ENTRIES) return -1;
      try {
        if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === file) return Number(pid);
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return null;
}

export type LockState = 'cleared' | 'gone' | 'fresh' | 'held';

/**
 * Move a stale lock aside (`<name>.stale-<ts>`, never deleted). Between our look and the rename git may
 * have released it and another git taken it afresh: the inode tells, and a fresh one is put back.
 */
export function clearIfStale(ctx: GitCtx, lockPath: string, trace: OpTrace): LockState {
  let st: fs.Stats;
  try {
    st = fs.statSync(lockPath);
  } catch {
    return 'gone';
  }
  if (ctx.now() - st.mtimeMs < ctx.staleLockMs) return 'fresh';
  const holder = lockHolder(lockPath);
  if (holder !== null) return 'held';
  const aside = `${lockPath}.stale-${ctx.now()}`;
  try {
    fs.renameSync(lockPath, aside);
  } catch {
    return 'gone';
  }
  if (fs.statSync(aside).ino !== st.ino) {
    try {
      fs.linkSync(aside, lockPath);
      fs.unlinkSync(aside);
    } catch {
      ctx.logger.error(
        { lockPath, aside },
        'git workspaces: moved a fresh lock aside and could not put it back',
      );
    }
    return 'fresh';
  }
  const ageMs = Math.round(ctx.now() - st.mtimeMs);
  ctx.logger.warn({ lockPath, aside, ageMs }, 'git workspaces: moved a stale git lock file aside');
  trace.staleLocksCleared.push(lockPath);
  return 'cleared';
}

export interface WriteCall extends GitCall {
  commonDir: string;
  trace: OpTrace;
}

/**
 * A git call that may meet a lock file: retried with backoff while the lock is fresh or held, at once
 * after a stale lock was moved aside; bounded by tries and time, then a typed `lock-timeout`.
 */
export async function runGitRetrying(ctx: GitCtx, args: string[], call: WriteCall): Promise<GitResult> {
  const started = performance.now();
  for (let i = 0; ; i++) {
    const r = await runGit(ctx, args, call);
    if (r.code === 0) return r;
    const lock = realLockPath(lockPathFromError(r.stderr, call.cwd));
    if (lock === null || !isClearableLock(lock, call.commonDir)) return r;
    const state = clearIfStale(ctx, lock, call.trace);
    if (state === 'cleared' || state === 'gone') {
      if (i < ctx.lockRetry.attempts) continue;
    }
    if (i >= ctx.lockRetry.attempts || performance.now() - started > ctx.lockRetry.maxWaitMs) {
      throw new GitFail('lock-timeout', `${lock} stayed locked (${state}); ${describe(args, r)}`);
    }
    await ctx.sleep(Math.min(25 * 2 ** i, 1000));
  }
}

export async function gitWriteOk(ctx: GitCtx, args: string[], call: WriteCall): Promise<string> {
  const r = await runGitRetrying(ctx, args, call);
  if (r.code !== 0) throw new GitFail('git-error', describe(args, r));
  return r.stdout;
}
