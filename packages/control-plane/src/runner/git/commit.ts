import { runGit, describe } from './exec.js';
import { withRepoLease } from './lease.js';
import { gitWriteOk, runGitRetrying } from './locks.js';
import { attemptRef, headOf } from './pin.js';
import { refValue, resolveRepo, ZERO_SHA, type RepoInfo } from './repo.js';
import { diffStats, type DiffStats } from './stats.js';
import {
  boundary,
  GitFail,
  DEFAULT_BEHAVIOUR,
  type GitBehaviour,
  type GitCtx,
  type GitFailure,
  type OpTrace,
} from './types.js';

export interface CommitInput {
  /** The attempt's worktree. */
  path: string;
  runId: number | null;
  taskId: number;
  attempt: number;
  stepId: string;
  /** `multyagents/run-<run>/<step>`: moved to the result (created when missing). */
  branch: string;
  startSha: string;
  /** The handoff summary: its first line is the subject, the rest the body. Empty: a generic subject. */
  message: string;
  /** Checked under the lease before anything is written: false = a newer attempt owns the task. */
  fence: () => Promise<boolean>;
  behaviour?: GitBehaviour;
}

export interface CommitResult extends DiffStats {
  ok: true;
  head_sha: string;
  committed: boolean;
  pinned_ref: string;
  staleLocksCleared: string[];
}

const SUBJECT_MAX = 200;
const BODY_MAX = 10_000;

export function commitMessage(input: Pick<CommitInput, 'message' | 'stepId' | 'taskId' | 'attempt'>): string {
  const lines = input.message.replace(/\r\n?/g, '\n').split('\n');
  const first = lines.findIndex((l) => l.trim().length > 0);
  const subject =
    first >= 0
      ? lines[first].trim().slice(0, SUBJECT_MAX)
      : `multyagents: ${input.stepId} (task ${input.taskId} attempt ${input.attempt})`;
  const body =
    first >= 0
      ? lines
          .slice(first + 1)
          .join('\n')
          .trim()
          .slice(0, BODY_MAX)
      : '';
  return body ? `${subject}\n\n${body}\n` : `${subject}\n`;
}

/**
 * Move `refs/heads/<branch>` from `expectedOld` (null: it must not exist) to `newSha`, atomically in
 * git (`update-ref <new> <old>`); a branch that moved meanwhile is refused, never overwritten.
 */
export async function moveBranch(
  ctx: GitCtx,
  repo: RepoInfo,
  branch: string,
  newSha: string,
  expectedOld: string | null,
  trace: OpTrace,
): Promise<void> {
  const ref = `refs/heads/${branch}`;
  const ok = await runGit(ctx, ['check-ref-format', ref], { cwd: repo.commonDir });
  if (ok.code !== 0) throw new GitFail('bad-input', `${JSON.stringify(branch)} is not a valid branch name`);
  const args = ['update-ref', '-m', 'multyagents: step result', ref, newSha, expectedOld ?? ZERO_SHA];
  const r = await runGitRetrying(ctx, args, { cwd: repo.commonDir, commonDir: repo.commonDir, trace });
  if (r.code === 0) return;
  const now = await refValue(ctx, repo.commonDir, ref);
  if (now !== expectedOld) {
    throw new GitFail(
      'branch-moved',
      `branch ${branch} is at ${now ?? '(missing)'}, expected ${expectedOld ?? '(missing)'}`,
      {
        commits: [newSha, ...(now ? [now] : [])],
      },
    );
  }
  throw new GitFail('git-error', describe(args, r));
}

export async function commitResult(ctx: GitCtx, input: CommitInput): Promise<CommitResult | GitFailure> {
  const trace: OpTrace = { staleLocksCleared: [] };
  return boundary(trace, async () => {
    const wt = input.path;
    const repo = await resolveRepo(ctx, wt);
    const behaviour = input.behaviour ?? DEFAULT_BEHAVIOUR;
    const w = { cwd: wt, commonDir: repo.commonDir, trace, behaviour };
    const head = await withRepoLease(ctx, repo.commonDir, async () => {
      if (!(await input.fence()))
        throw new GitFail(
          'stale-attempt',
          `task ${input.taskId} attempt ${input.attempt} is no longer current`,
        );
      await gitWriteOk(ctx, ['add', '-A'], w);
      const staged = await runGit(ctx, ['diff', '--cached', '--quiet', '--no-ext-diff'], { cwd: wt });
      let committed = false;
      if (staged.code === 1) {
        const trailers = [
          ...(input.runId !== null ? [`Multyagents-Run: ${input.runId}`] : []),
          `Multyagents-Task: ${input.taskId}`,
          `Multyagents-Attempt: ${input.attempt}`,
          `Multyagents-Step: ${input.stepId}`,
        ].flatMap((t) => ['--trailer', t]);
        await gitWriteOk(
          ctx,
          ['commit', '-q', '--no-edit', '--cleanup=whitespace', '-m', commitMessage(input), ...trailers],
          w,
        );
        committed = true;
      } else if (staged.code !== 0) {
        throw new GitFail('git-error', describe(['diff', '--cached'], staged));
      }
      const sha = await headOf(ctx, wt);
      await gitWriteOk(
        ctx,
        ['update-ref', '-m', 'multyagents: pin', attemptRef(input.taskId, input.attempt), sha],
        { ...w, cwd: repo.commonDir },
      );
      const current = await refValue(ctx, repo.commonDir, `refs/heads/${input.branch}`);
      await moveBranch(ctx, repo, input.branch, sha, current, trace);
      return { sha, committed };
    });
    const stats = await diffStats(ctx, wt, input.startSha, head.sha);
    return {
      ok: true as const,
      head_sha: head.sha,
      committed: head.committed,
      pinned_ref: attemptRef(input.taskId, input.attempt),
      ...stats,
      staleLocksCleared: trace.staleLocksCleared,
    };
  });
}
