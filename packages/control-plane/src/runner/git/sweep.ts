import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupWith } from './cleanup.js';
import { withRepoLease } from './lease.js';
import { clearIfStale, runGitRetrying } from './locks.js';
import { attemptRef, dirtyRef } from './pin.js';
import { realOrSelf, resolveRepo, type RepoInfo } from './repo.js';
import { MARKER, type WorktreeMarker } from './worktrees.js';
import { GitFail, type GitCtx, type OpTrace } from './types.js';

export interface SweepInput {
  /** Worktree paths of attempts this runner still runs or will resume: never touched. */
  keep: Set<string>;
  /** Worktrees younger than this (by their last preparation) are left alone. */
  olderThanMs: number;
}

export interface SweepReport {
  removed: string[];
  kept: { path: string; reason: string }[];
  staleLocksCleared: string[];
}

const MAX_ENTRIES = 100_000;
const GIT_LOCKS = ['index.lock', 'HEAD.lock', 'ORIG_HEAD.lock', 'config.lock', 'packed-refs.lock'];

/** Worktree directories under the worktrees dir: `<repo>/task-<id>` and `<repo>/run-<id>/<step>`. */
function worktreeDirs(root: string): string[] {
  const out: string[] = [];
  const subdirs = (d: string): string[] => {
    try {
      return fs
        .readdirSync(d, { withFileTypes: true })
        .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
        .map((e) => path.join(d, e.name));
    } catch {
      return [];
    }
  };
  for (const repoDir of subdirs(root)) {
    for (const d of subdirs(repoDir)) {
      if (out.length >= MAX_ENTRIES) return out;
      if (fs.existsSync(path.join(d, '.git'))) out.push(d);
      else if (path.basename(d).startsWith('run-')) out.push(...subdirs(d).slice(0, MAX_ENTRIES));
    }
  }
  return out;
}

/** Git lock files of a repository: its own, its worktrees' and those under refs/ (bounded walk). */
export function gitLockFiles(commonDir: string): string[] {
  const found: string[] = [];
  const check = (p: string): void => {
    if (fs.existsSync(p)) found.push(p);
  };
  for (const name of GIT_LOCKS) check(path.join(commonDir, name));
  const wts = path.join(commonDir, 'worktrees');
  for (const w of fs.existsSync(wts) ? fs.readdirSync(wts).slice(0, MAX_ENTRIES) : []) {
    for (const name of GIT_LOCKS) check(path.join(wts, w, name));
  }
  const stack = [path.join(commonDir, 'refs')];
  let seen = 0;
  while (stack.length > 0 && seen < MAX_ENTRIES) {
    const dir = stack.pop()!;
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      seen++;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.name.endsWith('.lock')) found.push(p);
    }
  }
  return found;
}

function readMarker(wt: string): { marker: WorktreeMarker | null; mtimeMs: number } {
  try {
    const gitFile = fs.readFileSync(path.join(wt, '.git'), 'utf8');
    const admin = path.resolve(wt, gitFile.replace(/^gitdir:\s*/, '').trim());
    const file = path.join(admin, MARKER);
    return {
      marker: JSON.parse(fs.readFileSync(file, 'utf8')) as WorktreeMarker,
      mtimeMs: fs.statSync(file).mtimeMs,
    };
  } catch {
    return { marker: null, mtimeMs: fs.statSync(wt).mtimeMs };
  }
}

/**
 * At runner start: remove the worktrees no live attempt needs (each proven done as in cleanup, dirty
 * ones pinned and kept), clear stale lock files and leases, prune the repositories' worktree lists.
 */
export async function sweep(ctx: GitCtx, input: SweepInput): Promise<SweepReport> {
  const report: SweepReport = { removed: [], kept: [], staleLocksCleared: [] };
  const keep = new Set([...input.keep].map(realOrSelf));
  const repos = new Map<string, RepoInfo>();
  for (const dir of worktreeDirs(ctx.worktreesDir)) {
    const wt = realOrSelf(dir);
    if (keep.has(wt)) {
      report.kept.push({ path: wt, reason: 'a live attempt uses it' });
      continue;
    }
    let repo: RepoInfo;
    try {
      repo = await resolveRepo(ctx, wt);
    } catch (e) {
      if (!(e instanceof GitFail)) throw e;
      report.kept.push({ path: wt, reason: `not a worktree of a reachable repository: ${e.message}` });
      continue;
    }
    repos.set(repo.commonDir, repo);
    const { marker, mtimeMs } = readMarker(wt);
    if (ctx.now() - mtimeMs < input.olderThanMs) {
      report.kept.push({ path: wt, reason: 'prepared recently' });
      continue;
    }
    const orphan = `orphan-${createHash('sha256').update(wt).digest('hex').slice(0, 12)}`;
    const refs = marker
      ? { pin: attemptRef(marker.task_id, marker.attempt), dirty: dirtyRef(marker.task_id, marker.attempt) }
      : { pin: `refs/multyagents/orphans/${orphan}`, dirty: `refs/multyagents/dirty/${orphan}` };
    const r = await cleanupWith(ctx, wt, refs, false);
    report.staleLocksCleared.push(...r.staleLocksCleared);
    if (r.removed) report.removed.push(wt);
    else report.kept.push({ path: wt, reason: r.message });
  }
  for (const repo of repos.values()) {
    const trace: OpTrace = { staleLocksCleared: [] };
    for (const lock of gitLockFiles(repo.commonDir)) clearIfStale(ctx, lock, trace);
    try {
      // Taking the lease also takes over a stale lease file left by a dead runner.
      await withRepoLease(ctx, repo.commonDir, () =>
        runGitRetrying(ctx, ['worktree', 'prune'], { cwd: repo.commonDir, commonDir: repo.commonDir, trace }),
      );
    } catch (e) {
      if (!(e instanceof GitFail)) throw e;
      ctx.logger.warn({ repo: repo.commonDir, err: e.message }, 'git workspaces: sweep could not prune');
    }
    report.staleLocksCleared.push(...trace.staleLocksCleared);
  }
  return report;
}

/** Bytes allocated under `dir` (hard links counted once), walking at most `maxEntries` entries. */
export function diskUsage(
  dir: string,
  maxEntries = 2_000_000,
): { bytes: number; entries: number; truncated: boolean } {
  const seen = new Set<string>();
  const stack = [dir];
  let bytes = 0;
  let entries = 0;
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (++entries > maxEntries) return { bytes, entries: entries - 1, truncated: true };
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      continue;
    }
    const id = `${st.dev}:${st.ino}`;
    if (!seen.has(id)) {
      seen.add(id);
      bytes += st.blocks * 512;
    }
    if (st.isDirectory()) {
      try {
        for (const name of fs.readdirSync(p)) stack.push(path.join(p, name));
      } catch {
        /* unreadable: counted as its own size */
      }
    }
  }
  return { bytes, entries, truncated: false };
}
