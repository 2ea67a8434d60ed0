import type { MergeStrategy } from '@multyagents/contracts';
import { describe, gitOk, runGit } from './exec.js';
import { withRepoLease } from './lease.js';
import { gitWriteOk, runGitRetrying } from './locks.js';
import { combine, mergeTwo, verifyCommits } from './merge.js';
import { attemptRef } from './pin.js';
import { isAncestor, isDirty, isSha, listWorktrees, refValue, resolveRepo } from './repo.js';
import { diffStats, type DiffStats } from './stats.js';
import { boundary, GitFail, type GitCtx, type GitFailure, type OpTrace } from './types.js';

export interface LandInput {
  repoRoot: string;
  runId?: number | null;
  taskId: number;
  attempt: number;
  /** The result commits to land (the upstream steps' heads). */
  heads: string[];
  targetBranch: string;
  /** Compare-and-swap: the target must still be here. */
  expectedSha: string;
  strategy: MergeStrategy;
  message: string;
  fence: () => Promise<boolean>;
}

export interface LandResult extends DiffStats {
  ok: true;
  merged: { target_branch: string; old_sha: string; new_sha: string; strategy: MergeStrategy };
  /** The landed commit, pinned at the merge attempt's ref. */
  pinned_ref: string;
  /** Checkouts of the target branch whose index and files were brought along. */
  checkouts_updated: string[];
  staleLocksCleared: string[];
}

/** The commit the target moves to (expected itself when the heads add nothing). */
async function landedCommit(ctx: GitCtx, cwd: string, input: LandInput, r: string): Promise<string> {
  const expected = input.expectedSha;
  if (await isAncestor(ctx, cwd, r, expected)) return expected;
  const descends = await isAncestor(ctx, cwd, expected, r);
  if (input.strategy === 'fast-forward') {
    if (!descends) {
      throw new GitFail(
        'not-fast-forward',
        `the result ${r} does not descend from ${input.targetBranch} at ${expected}: not a fast-forward`,
        {
          commits: [expected, r],
        },
      );
    }
    return r;
  }
  const body = `${input.message.trim() || `multyagents: merge into ${input.targetBranch}`}\n\nMultyagents-Task: ${input.taskId}\nMultyagents-Attempt: ${input.attempt}\n`;
  // A result that does not descend from the target is merged with it, so the target's own commits stay.
  const tree = descends
    ? `${r}^{tree}`
    : `${await mergeTwo(ctx, cwd, expected, r, `multyagents: merge ${input.targetBranch} into the result`)}^{tree}`;
  return (await gitOk(ctx, ['commit-tree', tree, '-p', expected, '-p', r, '-m', body], { cwd })).trim();
}

export async function land(ctx: GitCtx, input: LandInput): Promise<LandResult | GitFailure> {
  const trace: OpTrace = { staleLocksCleared: [] };
  return boundary(trace, async () => {
    const bad = [input.expectedSha, ...input.heads].find((s) => !isSha(s));
    if (bad !== undefined) throw new GitFail('bad-input', `${JSON.stringify(bad)} is not a full commit id`);
    if (input.heads.length === 0) throw new GitFail('bad-input', 'no result commits to land');
    const repo = await resolveRepo(ctx, input.repoRoot);
    const cwd = repo.commonDir;
    const ref = `refs/heads/${input.targetBranch}`;
    if ((await runGit(ctx, ['check-ref-format', ref], { cwd })).code !== 0) {
      throw new GitFail('bad-input', `${JSON.stringify(input.targetBranch)} is not a valid branch name`);
    }
    await verifyCommits(ctx, cwd, [input.expectedSha, ...input.heads]);
    const r = await combine(ctx, cwd, input.heads, `multyagents: merge results for ${input.targetBranch}`);
    const next = await landedCommit(ctx, cwd, input, r);
    const updated = await withRepoLease(ctx, cwd, async () => {
      if (!(await input.fence()))
        throw new GitFail(
          'stale-attempt',
          `task ${input.taskId} attempt ${input.attempt} is no longer current`,
        );
      const now = await refValue(ctx, cwd, ref);
      if (now !== input.expectedSha) {
        throw new GitFail(
          'target-moved',
          `${input.targetBranch} is at ${now ?? '(missing)'}, not at the expected ${input.expectedSha}; refusing to overwrite it`,
          {
            commits: [input.expectedSha, ...(now ? [now] : [])],
          },
        );
      }
      const old = input.expectedSha;
      const checkouts = (await listWorktrees(ctx, cwd)).filter(
        (w) => w.branch === ref && !w.bare && !w.prunable,
      );
      for (const c of checkouts) {
        if (await isDirty(ctx, c.path, false)) {
          throw new GitFail(
            'dirty-checkout',
            `${input.targetBranch} is checked out at ${c.path} with uncommitted changes; commit or stash them first`,
          );
        }
        if (next === old) continue;
        // -n: a dry run that also catches untracked files the new commit would overwrite.
        // It takes the checkout's index.lock too: a stale one left by a crashed git is cleared here.
        const dry = await runGitRetrying(ctx, ['read-tree', '-m', '-u', '-n', old, next], {
          cwd: c.path,
          commonDir: cwd,
          trace,
        });
        if (dry.code !== 0)
          throw new GitFail(
            'dirty-checkout',
            `cannot update the checkout at ${c.path}: ${describe(['read-tree'], dry)}`,
          );
      }
      await gitWriteOk(
        ctx,
        ['update-ref', '-m', 'multyagents: pin', attemptRef(input.taskId, input.attempt), next],
        { cwd, commonDir: cwd, trace },
      );
      if (next === old) return [];
      const args = ['update-ref', '-m', `multyagents: land (${input.strategy})`, ref, next, old];
      const moved = await runGitRetrying(ctx, args, { cwd, commonDir: cwd, trace });
      if (moved.code !== 0)
        throw new GitFail('target-moved', describe(args, moved), { commits: [input.expectedSha, next] });
      const done: string[] = [];
      for (const c of checkouts) {
        // Bring the user's checkout along, else it would show the landed changes reversed.
        const rt = await runGitRetrying(ctx, ['read-tree', '-m', '-u', old, next], {
          cwd: c.path,
          commonDir: cwd,
          trace,
          // The user's own checkout: their LFS setup applies (no pointer files where they had contents).
          behaviour: { hooks: false, lfsSmudge: true },
        });
        if (rt.code !== 0) {
          ctx.logger.error(
            { checkout: c.path, err: rt.stderr },
            'git workspaces: target moved but its checkout was not updated',
          );
        } else done.push(c.path);
      }
      return done;
    });
    const stats = await diffStats(ctx, cwd, input.expectedSha, next);
    return {
      ok: true as const,
      merged: {
        target_branch: input.targetBranch,
        old_sha: input.expectedSha,
        new_sha: next,
        strategy: input.strategy,
      },
      pinned_ref: attemptRef(input.taskId, input.attempt),
      checkouts_updated: updated,
      ...stats,
      staleLocksCleared: trace.staleLocksCleared,
    };
  });
}
