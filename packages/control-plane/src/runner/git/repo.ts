import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gitOk, runGit, tail } from './exec.js';
import { GitFail, type GitCtx } from './types.js';

/** A repository, named by its git common dir (the same for the main checkout and every worktree). */
export interface RepoInfo {
  commonDir: string;
  /** `<repoName>-<first 10 hex of sha256(commonDir)>`: this repository's folder under worktreesDir. */
  key: string;
}

export const ZERO_SHA = '0000000000000000000000000000000000000000';
const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

export function isSha(s: string): boolean {
  return SHA.test(s);
}

export async function resolveRepo(ctx: GitCtx, dir: string): Promise<RepoInfo> {
  if (!fs.existsSync(dir)) throw new GitFail('not-a-repo', `${dir} does not exist`);
  const r = await runGit(ctx, ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: dir });
  if (r.code !== 0)
    throw new GitFail('not-a-repo', `${dir} is not in a git repository: ${tail(r.stderr, 500)}`);
  const commonDir = fs.realpathSync(r.stdout.trim());
  const base = path.basename(commonDir);
  const name =
    (base === '.git' ? path.basename(path.dirname(commonDir)) : base.replace(/\.git$/, '')) || 'repo';
  const hash = createHash('sha256').update(commonDir).digest('hex').slice(0, 10);
  return { commonDir, key: `${name.replace(/[^A-Za-z0-9._-]/g, '_')}-${hash}` };
}

export function repoFolder(ctx: GitCtx, repo: RepoInfo): string {
  return path.join(ctx.worktreesDir, repo.key);
}

/** The commit a revision names, or null when it names none. */
export async function commitOf(ctx: GitCtx, cwd: string, rev: string): Promise<string | null> {
  const r = await runGit(ctx, ['rev-parse', '-q', '--verify', `${rev}^{commit}`], { cwd });
  return r.code === 0 ? r.stdout.trim() : null;
}

/** The value of a ref (full name), or null when it does not exist. */
export async function refValue(ctx: GitCtx, cwd: string, ref: string): Promise<string | null> {
  const r = await runGit(ctx, ['rev-parse', '-q', '--verify', ref], { cwd });
  return r.code === 0 ? r.stdout.trim() : null;
}

export async function isAncestor(ctx: GitCtx, cwd: string, a: string, b: string): Promise<boolean> {
  const r = await runGit(ctx, ['merge-base', '--is-ancestor', a, b], { cwd });
  if (r.code === 0) return true;
  if (r.code === 1) return false;
  throw new GitFail('git-error', `git merge-base --is-ancestor ${a} ${b}: ${tail(r.stderr, 500)}`);
}

/** Uncommitted changes: tracked ones, plus untracked files that are not ignored when asked. */
export async function isDirty(ctx: GitCtx, cwd: string, untracked: boolean): Promise<boolean> {
  const args = [
    'status',
    '--porcelain',
    '-z',
    '--ignore-submodules=none',
    `--untracked-files=${untracked ? 'all' : 'no'}`,
  ];
  return (await gitOk(ctx, args, { cwd })).length > 0;
}

export interface WorktreeEntry {
  path: string;
  head: string | null;
  /** Full ref name (`refs/heads/main`) when a branch is checked out. */
  branch: string | null;
  bare: boolean;
  locked: boolean;
  prunable: boolean;
}

export async function listWorktrees(ctx: GitCtx, commonDir: string): Promise<WorktreeEntry[]> {
  const out = await gitOk(ctx, ['worktree', 'list', '--porcelain', '-z'], { cwd: commonDir });
  const entries: WorktreeEntry[] = [];
  let cur: WorktreeEntry | null = null;
  for (const line of out.split('\0')) {
    if (line.startsWith('worktree ')) {
      cur = { path: line.slice(9), head: null, branch: null, bare: false, locked: false, prunable: false };
      entries.push(cur);
    } else if (cur && line.startsWith('HEAD ')) cur.head = line.slice(5);
    else if (cur && line.startsWith('branch ')) cur.branch = line.slice(7);
    else if (cur && line === 'bare') cur.bare = true;
    else if (cur && (line === 'locked' || line.startsWith('locked '))) cur.locked = true;
    else if (cur && (line === 'prunable' || line.startsWith('prunable '))) cur.prunable = true;
  }
  return entries;
}

export function realOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** The registered worktree at `dir`, if any. */
export async function findWorktree(
  ctx: GitCtx,
  commonDir: string,
  dir: string,
): Promise<WorktreeEntry | null> {
  const want = realOrSelf(dir);
  return (await listWorktrees(ctx, commonDir)).find((w) => realOrSelf(w.path) === want) ?? null;
}
