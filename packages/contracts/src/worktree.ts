import { z } from 'zod';
import { Id } from './common.js';

/**
 * Ours: isolated-worktree mode. Each step of a run works in its own `git worktree` (outside the
 * repository), its result is committed there, downstream steps start from the merge of their upstream
 * commits, and the run's merge task lands the result on the target branch with a compare-and-swap.
 */

/** A git ref name fragment we accept from operators (branch names): no spaces, no `..`, no control chars. */
export const BranchName = z
  .string()
  .min(1)
  .max(250)
  .regex(/^(?!\/|.*\/\/|.*\.\.|.*@\{|.*\.lock$|.*\/$|-)[A-Za-z0-9._/+-]+$/, 'not a valid branch name');

/** A full commit id (SHA-1 or SHA-256 hex). */
export const CommitSha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'not a full commit id');

/** A path relative to the project root that stays inside it. */
export const RelativeRepoPath = z
  .string()
  .min(1)
  .max(1000)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be relative, without ..');

/** Project: how a fresh worktree is prepared (everything off by default). */
export const WorktreeSetup = z.object({
  /** Ignored files copied from the project root into each worktree (e.g. `.env`). */
  copy_files: z.array(RelativeRepoPath).max(100).default([]),
  /** A command (argv, no shell) run in the worktree after it is created; failure fails the step. */
  command: z.array(z.string().min(1).max(4096)).max(100).nullable().default(null),
  /** Run the repository's git hooks in the worktree (off: `core.hooksPath` points to an empty dir). */
  hooks: z.boolean().default(false),
  /** Let Git LFS download file contents at checkout (off: GIT_LFS_SKIP_SMUDGE=1). */
  lfs_smudge: z.boolean().default(false),
});
export type WorktreeSetup = z.infer<typeof WorktreeSetup>;

export const MERGE_STRATEGIES = ['fast-forward', 'merge-commit'] as const;
export const MergeStrategy = z.enum(MERGE_STRATEGIES);
export type MergeStrategy = z.infer<typeof MergeStrategy>;

/** Template: how the run's result lands on the target branch. */
export const MergePolicy = z.object({
  /** false: no merge task; the step branches are the result. */
  enabled: z.boolean().default(true),
  strategy: MergeStrategy.default('fast-forward'),
  /** The merge task waits for an operator approval. */
  requires_approval: z.boolean().default(false),
  /** Default: the run's base branch. */
  target_branch: BranchName.nullable().default(null),
});
export type MergePolicy = z.infer<typeof MergePolicy>;

/** The step id of the merge task a worktree run gets (reserved: templates cannot use `multyagents.*`). */
export const MERGE_STEP_ID = 'multyagents.merge';

/** API → runner, `RunnerSubmit.worktree` (isolated-worktree tasks). */
export const SubmitWorktree = z.object({
  /** The project root (a git working tree). */
  repo_root: z.string().min(1).max(4096),
  /** `multyagents/run-<run>/<step>` (standalone tasks: `multyagents/task-<id>`). */
  branch: z.string().min(1).max(300),
  /** Names the worktree directory: the step id, or `task-<id>`. */
  step_key: z.string().min(1).max(200),
  /** The run's base commit, recorded when the run was created. */
  base_sha: CommitSha,
  base_branch: z.string().max(250).nullable(),
  /** Result commits of the upstream steps, merged (checked first) into the start point. */
  upstream: z
    .array(z.object({ task_id: Id, step_id: z.string().nullable(), commit: CommitSha }))
    .max(500)
    .default([]),
  setup: WorktreeSetup.optional(),
  /** Only for the merge task: land `upstream` on the target branch. */
  merge: z
    .object({
      target_branch: BranchName,
      /** Compare-and-swap: the target must still be here (the run's base), else the merge fails. */
      expected_sha: CommitSha,
      strategy: MergeStrategy,
      message: z.string().max(10_000),
    })
    .optional(),
});
export type SubmitWorktree = z.infer<typeof SubmitWorktree>;

/** Runner → API, in the terminal report of an isolated-worktree attempt. */
export const ReportedWorktree = z.object({
  path: z.string().max(4096).nullable(),
  branch: z.string().max(300).nullable(),
  base_sha: CommitSha.nullable(),
  /** Where the attempt started (base, or the merge of its upstream commits). */
  start_sha: CommitSha.nullable(),
  /** The step's result: its commit, or start_sha when it changed nothing. */
  head_sha: CommitSha.nullable(),
  committed: z.boolean().default(false),
  /** `refs/multyagents/attempts/<task>-<attempt>`: the attempt's HEAD, kept after cleanup. */
  pinned_ref: z.string().max(300).nullable().default(null),
  files_changed: z.number().int().min(0).default(0),
  insertions: z.number().int().min(0).default(0),
  deletions: z.number().int().min(0).default(0),
  files: z.array(z.string().max(4096)).max(1000).default([]),
  /** A failed merge: the conflicting paths and the commits involved. */
  conflicts: z.array(z.string().max(4096)).max(1000).optional(),
  conflict_commits: z.array(CommitSha).max(500).optional(),
  /** The merge task's landing on the target branch. */
  merged: z
    .object({
      target_branch: z.string(),
      old_sha: CommitSha,
      new_sha: CommitSha,
      strategy: MergeStrategy,
    })
    .optional(),
  cleanup: z
    .object({ attempted: z.boolean(), removed: z.boolean(), message: z.string().max(10_000) })
    .optional(),
});
export type ReportedWorktree = z.infer<typeof ReportedWorktree>;

/** What a runner can honour (sent at registration); the API refuses at dispatch what it cannot. */
export const RUNNER_CAPABILITIES = ['git-worktree', 'bwrap', 'docker'] as const;
export const RunnerCapability = z.enum(RUNNER_CAPABILITIES);
export type RunnerCapability = z.infer<typeof RunnerCapability>;
