import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorktreeSetup } from '@multyagents/contracts';
import { gitOk } from './exec.js';
import { withRepoLease } from './lease.js';
import { gitWriteOk } from './locks.js';
import { combine, verifyCommits } from './merge.js';
import { headOf, pinState, replacedRef } from './pin.js';
import { findWorktree, isDirty, isSha, repoFolder, resolveRepo, type RepoInfo } from './repo.js';
import { runSetup } from './setup.js';
import { boundary, GitFail, type GitBehaviour, type GitCtx, type GitFailure, type OpTrace } from './types.js';

export interface PrepareInput {
  repoRoot: string;
  /** null for a standalone task: its worktree is `<repo folder>/<stepKey>` (`task-<id>`). */
  runId: number | null;
  taskId: number;
  stepKey: string;
  attempt: number;
  baseSha: string;
  /** Result commits of the upstream steps. */
  upstream: string[];
  setup?: WorktreeSetup;
  /** An existing worktree is kept as it is (a resumed agent continues); false: pinned, then reset. */
  reuse: boolean;
}

export interface PrepareResult {
  ok: true;
  path: string;
  startSha: string;
  reused: boolean;
  /** When an existing worktree was reset: where its previous state was pinned (null: nothing to keep). */
  replacedRef: string | null;
  /** Left-over directories moved under `<worktreesDir>/.trash/`. */
  trashed: string | null;
  notes: string[];
  staleLocksCleared: string[];
}

/** Data the sweep needs to pin an orphan, kept in the worktree's admin dir (removed with it). */
export const MARKER = 'multyagents.json';
export interface WorktreeMarker {
  task_id: number;
  attempt: number;
  run_id: number | null;
  step_key: string;
  start_sha: string;
}

const KEY = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,200}$/;

export function worktreePath(ctx: GitCtx, repo: RepoInfo, runId: number | null, stepKey: string): string {
  if (!KEY.test(stepKey))
    throw new GitFail('bad-input', `step key ${JSON.stringify(stepKey)} cannot name a directory`);
  const folder = repoFolder(ctx, repo);
  return runId === null ? path.join(folder, stepKey) : path.join(folder, `run-${runId}`, stepKey);
}

export async function writeMarker(ctx: GitCtx, wt: string, marker: WorktreeMarker): Promise<void> {
  const admin = (await gitOk(ctx, ['rev-parse', '--absolute-git-dir'], { cwd: wt })).trim();
  fs.writeFileSync(path.join(admin, MARKER), JSON.stringify(marker));
}

function moveToTrash(ctx: GitCtx, repo: RepoInfo, dir: string): string {
  const trash = path.join(ctx.worktreesDir, '.trash');
  fs.mkdirSync(trash, { recursive: true });
  const dest = path.join(trash, `${repo.key}-${path.basename(dir)}-${ctx.now()}`);
  fs.renameSync(dir, dest);
  ctx.logger.warn(
    { dir, dest },
    'git workspaces: moved a left-over directory (not a registered worktree) aside',
  );
  return dest;
}

export async function prepare(ctx: GitCtx, input: PrepareInput): Promise<PrepareResult | GitFailure> {
  const trace: OpTrace = { staleLocksCleared: [] };
  return boundary(trace, () => prepareIn(ctx, input, trace));
}

async function prepareIn(ctx: GitCtx, input: PrepareInput, trace: OpTrace): Promise<PrepareResult> {
  const shas = [input.baseSha, ...input.upstream];
  const bad = shas.find((s) => !isSha(s));
  if (bad !== undefined) throw new GitFail('bad-input', `${JSON.stringify(bad)} is not a full commit id`);
  const repo = await resolveRepo(ctx, input.repoRoot);
  const cwd = repo.commonDir;
  await verifyCommits(ctx, cwd, shas);
  const startSha =
    input.upstream.length === 0
      ? input.baseSha
      : await combine(ctx, cwd, input.upstream, `multyagents: merge upstream of ${input.stepKey}`);
  const wt = worktreePath(ctx, repo, input.runId, input.stepKey);
  const behaviour: GitBehaviour = {
    hooks: input.setup?.hooks ?? false,
    lfsSmudge: input.setup?.lfs_smudge ?? false,
  };
  const marker: WorktreeMarker = {
    task_id: input.taskId,
    attempt: input.attempt,
    run_id: input.runId,
    step_key: input.stepKey,
    start_sha: startSha,
  };
  fs.mkdirSync(path.dirname(wt), { recursive: true });
  type Placed = { mode: 'reuse' | 'reset' | 'create'; replaced: string | null; trashed: string | null };
  const { mode, replaced, trashed } = await withRepoLease(ctx, cwd, async (): Promise<Placed> => {
    let entry = await findWorktree(ctx, cwd, wt);
    if (entry?.prunable) {
      await gitWriteOk(ctx, ['worktree', 'prune'], { cwd, commonDir: cwd, trace });
      entry = null;
    }
    if (entry !== null) {
      if (input.reuse) return { mode: 'reuse', replaced: null, trashed: null };
      const changed = (await headOf(ctx, wt)) !== startSha || (await isDirty(ctx, wt, true));
      const ref = replacedRef(input.taskId, input.attempt);
      return {
        mode: 'reset',
        replaced: changed ? (await pinState(ctx, repo, wt, ref, trace)).ref : null,
        trashed: null,
      };
    }
    const trashed = fs.existsSync(wt) ? moveToTrash(ctx, repo, wt) : null;
    // --no-checkout: registering is quick; the checkout (maybe minutes) runs below, outside the lease.
    await gitWriteOk(ctx, ['worktree', 'add', '--detach', '--no-checkout', wt, startSha], {
      cwd,
      commonDir: cwd,
      trace,
      behaviour,
    });
    return { mode: 'create', replaced: null, trashed };
  });
  if (mode !== 'reuse') {
    // The worktree's index and HEAD are its own: no other writer touches them, no lease needed.
    // Parallel checkout: on a big repository the checkout is most of the time to a ready worktree
    // (B10: 10,000 files, 0.38x of a plain `git worktree add` with two workers on two cores).
    const workers = `checkout.workers=${Math.max(1, os.availableParallelism())}`;
    await gitWriteOk(ctx, ['-c', workers, 'reset', '-q', '--hard', startSha], {
      cwd: wt,
      commonDir: cwd,
      trace,
      behaviour,
    });
    if (mode === 'reset')
      await gitWriteOk(ctx, ['clean', '-ffdxq'], { cwd: wt, commonDir: cwd, trace, behaviour });
  }
  await writeMarker(ctx, wt, marker);
  const notes = mode === 'reuse' ? [] : await runSetup(ctx, input.repoRoot, wt, input.setup);
  return {
    ok: true,
    path: wt,
    startSha,
    reused: mode === 'reuse',
    replacedRef: replaced,
    trashed,
    notes,
    staleLocksCleared: trace.staleLocksCleared,
  };
}
