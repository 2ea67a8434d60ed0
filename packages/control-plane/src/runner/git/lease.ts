import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pidAlive, processStartTime } from '../../executors/procfs.js';
import { GitFail, type GitCtx } from './types.js';

/**
 * One writer per repository. Git's own locks guard single files, not our multi-step sequences (add a
 * worktree then register it, read a ref then compare-and-swap it, commit then pin), so every writing
 * sequence runs under this lease keyed on the git common dir: an in-process mutex (attempts of this
 * runner) plus an O_EXCL lease file in the common dir (other runners on the host).
 */
export const LEASE_FILE = 'multyagents-git.lease';

interface LeaseContent {
  pid: number;
  start_time: string | null;
  host: string;
  acquired_at: string;
}

const tails = new Map<string, Promise<void>>();

async function lockInProcess(key: string): Promise<() => void> {
  const prev = tails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = prev.then(() => mine);
  tails.set(key, tail);
  await prev;
  return () => {
    release();
    if (tails.get(key) === tail) tails.delete(key);
  };
}

function parseLease(text: string): LeaseContent | null {
  try {
    const v = JSON.parse(text) as Partial<LeaseContent>;
    return typeof v.pid === 'number' && typeof v.host === 'string' ? (v as LeaseContent) : null;
  } catch {
    return null;
  }
}

/** Why a lease file is stale, or null while its holder may be alive. */
export function leaseStaleReason(ctx: GitCtx, file: string, text: string): string | null {
  const lease = parseLease(text);
  if (lease === null) {
    // Written right after the O_EXCL create: unreadable for long means its writer died in between.
    const mtime = fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    return ctx.now() - mtime >= ctx.staleLockMs ? 'unreadable lease file' : null;
  }
  // Another host's process cannot be checked from here: it is waited for, never taken over.
  if (lease.host !== os.hostname()) return null;
  if (!pidAlive(lease.pid)) return `holder pid ${lease.pid} is dead`;
  const start = processStartTime(lease.pid);
  if (lease.start_time !== null && start !== null && start !== lease.start_time) {
    return `pid ${lease.pid} was reused by another process`;
  }
  return null;
}

/**
 * Take over a stale lease: rename it aside, then check that what we moved is what we judged stale.
 * If a live holder replaced it in between, link it back (link never overwrites a newer lease).
 */
function takeOver(ctx: GitCtx, file: string, judged: string, reason: string): void {
  const aside = `${file}.stale-${ctx.now()}-${process.pid}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return; // someone else took it over or released it
  }
  const moved = fs.readFileSync(aside, 'utf8');
  if (moved === judged) {
    ctx.logger.warn({ file, reason, lease: judged }, 'git workspaces: took over a stale repository lease');
    fs.unlinkSync(aside);
    return;
  }
  try {
    fs.linkSync(aside, file);
  } catch {
    ctx.logger.error({ file }, 'git workspaces: could not put back a live lease moved during a takeover');
  }
  fs.unlinkSync(aside);
}

function tryCreate(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new GitFail('git-error', `cannot create the repository lease ${file}: ${(e as Error).message}`);
  }
  try {
    fs.writeSync(fd, content);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

async function acquireFile(ctx: GitCtx, file: string): Promise<string> {
  const content = JSON.stringify({
    pid: process.pid,
    start_time: processStartTime(process.pid),
    host: os.hostname(),
    acquired_at: new Date(ctx.now()).toISOString(),
  } satisfies LeaseContent);
  const started = performance.now();
  let holder = '';
  for (let i = 0; i < 100_000; i++) {
    if (tryCreate(file, content)) return content;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue; // released between our create and read
    }
    holder = text;
    const stale = leaseStaleReason(ctx, file, text);
    if (stale !== null) {
      takeOver(ctx, file, text, stale);
      continue;
    }
    if (performance.now() - started > ctx.leaseWaitMs) break;
    await ctx.sleep(Math.min(10 * 2 ** Math.min(i, 10), 250));
  }
  throw new GitFail(
    'lease-timeout',
    `repository lease ${file} is held (${holder.trim()}) for over ${ctx.leaseWaitMs} ms`,
  );
}

function releaseFile(file: string, content: string): void {
  try {
    if (fs.readFileSync(file, 'utf8') === content) fs.unlinkSync(file);
  } catch {
    /* already gone */
  }
}

/** Run `fn` as the repository's only writer. */
export async function withRepoLease<T>(ctx: GitCtx, commonDir: string, fn: () => Promise<T>): Promise<T> {
  const file = path.join(commonDir, LEASE_FILE);
  const unlock = await lockInProcess(file);
  try {
    const content = await acquireFile(ctx, file);
    try {
      return await fn();
    } finally {
      releaseFile(file, content);
    }
  } finally {
    unlock();
  }
}
