import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gitOk } from './exec.js';
import { gitWriteOk } from './locks.js';
import { isDirty, type RepoInfo } from './repo.js';
import { GitFail, type GitCtx, type OpTrace } from './types.js';

export const attemptRef = (taskId: number, attempt: number): string =>
  `refs/multyagents/attempts/${taskId}-${attempt}`;
/** What an attempt found in a reused worktree path before it was reset (kept, never the attempt's own pin). */
export const replacedRef = (taskId: number, attempt: number): string =>
  `refs/multyagents/replaced/${taskId}-${attempt}`;
/** Uncommitted work found at cleanup: pinned here and kept on disk. */
export const dirtyRef = (taskId: number, attempt: number): string =>
  `refs/multyagents/dirty/${taskId}-${attempt}`;

export interface PinResult {
  ref: string;
  sha: string;
  dirty: boolean;
}

export async function headOf(ctx: GitCtx, wt: string): Promise<string> {
  const head = (
    await gitOk(ctx, ['rev-parse', '-q', '--verify', 'HEAD^{commit}'], { cwd: wt }).catch(() => '')
  ).trim();
  if (head === '') throw new GitFail('git-error', `worktree ${wt} has no HEAD commit`);
  return head;
}

/**
 * A commit of the working tree as it is (tracked and untracked, .gitignore respected), built with a
 * temporary index: the worktree's HEAD, index and files are left exactly as they were.
 */
async function snapshot(ctx: GitCtx, wt: string, head: string, message: string): Promise<string> {
  const indexPath = path.resolve(
    wt,
    (await gitOk(ctx, ['rev-parse', '--git-path', 'index'], { cwd: wt })).trim(),
  );
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'multyagents-pin-'));
  const tmpIndex = path.join(tmp, 'index');
  try {
    // Starting from a copy of the real index only saves git from re-hashing unchanged files.
    if (fs.existsSync(indexPath)) fs.copyFileSync(indexPath, tmpIndex);
    const env = { GIT_INDEX_FILE: tmpIndex };
    await gitOk(ctx, ['add', '-A'], { cwd: wt, env });
    const tree = (await gitOk(ctx, ['write-tree'], { cwd: wt, env })).trim();
    return (await gitOk(ctx, ['commit-tree', tree, '-p', head, '-m', message], { cwd: wt })).trim();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Record a worktree's state at `ref` (caller holds the repository lease). */
export async function pinState(
  ctx: GitCtx,
  repo: RepoInfo,
  wt: string,
  ref: string,
  trace: OpTrace,
): Promise<PinResult> {
  const head = await headOf(ctx, wt);
  const dirty = await isDirty(ctx, wt, true);
  const sha = dirty ? await snapshot(ctx, wt, head, `multyagents: uncommitted state pinned at ${ref}`) : head;
  await gitWriteOk(ctx, ['update-ref', '-m', 'multyagents: pin', ref, sha], {
    cwd: repo.commonDir,
    commonDir: repo.commonDir,
    trace,
  });
  return { ref, sha, dirty };
}
