import { z } from 'zod';
import { AbsolutePath, Id, NonEmptyName } from './common.js';
import { BranchName, WorktreeSetup } from './worktree.js';

export const ProjectCreate = z.object({
  name: NonEmptyName,
  root_path: AbsolutePath,
  allowed_paths: z.array(AbsolutePath).max(200).default([]),
  /**
   * Ours: the branch isolated-worktree runs start from (null: the repository's current branch when the
   * run is created). Omitted on an update: the stored value is kept (first-version clients never send it).
   */
  default_branch: BranchName.nullable().optional(),
  /** Ours: how a fresh worktree is prepared (all off by default). Omitted on an update: kept. */
  worktree_setup: WorktreeSetup.optional(),
});
export type ProjectCreate = z.infer<typeof ProjectCreate>;
export const ProjectUpdate = ProjectCreate;

export const Project = z.object({
  id: Id,
  name: z.string(),
  root_path: z.string(),
  allowed_paths: z.array(z.string()),
  default_branch: z.string().nullable(),
  worktree_setup: WorktreeSetup,
});
export type Project = z.infer<typeof Project>;
