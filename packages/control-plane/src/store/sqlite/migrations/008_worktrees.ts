/**
 * Migration 008: isolated-worktree runs (issue 16).
 *
 * - projects: the branch runs start from by default and how a fresh worktree is prepared.
 * - workflow_templates: the merge policy (JSON MergePolicy, NULL = the default policy) and the
 *   template's default execution mode (NULL = derived from the project, as before).
 * - workflow_runs: the base recorded at creation (branch and commit), where the result lands (branch,
 *   and its commit then: the merge's compare-and-swap expects it still there), how, and
 *   the commit it landed as. The base is fixed once: every step of the run starts from the same commit.
 * - tasks: `kind` tells the run's merge task from its steps; standalone isolated tasks record their own
 *   base; `worktree` is the current result (JSON, from the terminal report); `blocked_capability`
 *   remembers the capability the scheduler last found missing so that it records that once per task,
 *   not once per pass.
 * - attempts: each attempt's reported worktree (JSON ReportedWorktree).
 * - runners: what a runner can honour (JSON array; an older runner registers without: none).
 */
export const migration008 = `
ALTER TABLE projects ADD COLUMN default_branch TEXT;
ALTER TABLE projects ADD COLUMN worktree_setup TEXT;
ALTER TABLE workflow_templates ADD COLUMN merge TEXT;
ALTER TABLE workflow_templates ADD COLUMN execution_mode TEXT;
ALTER TABLE workflow_runs ADD COLUMN base_branch TEXT;
ALTER TABLE workflow_runs ADD COLUMN base_sha TEXT;
ALTER TABLE workflow_runs ADD COLUMN target_branch TEXT;
ALTER TABLE workflow_runs ADD COLUMN target_sha TEXT;
ALTER TABLE workflow_runs ADD COLUMN merge_strategy TEXT;
ALTER TABLE workflow_runs ADD COLUMN merged_sha TEXT;
ALTER TABLE tasks ADD COLUMN kind TEXT NOT NULL DEFAULT 'step';
ALTER TABLE tasks ADD COLUMN base_branch TEXT;
ALTER TABLE tasks ADD COLUMN base_sha TEXT;
ALTER TABLE tasks ADD COLUMN worktree TEXT;
ALTER TABLE tasks ADD COLUMN blocked_capability TEXT;
ALTER TABLE attempts ADD COLUMN worktree TEXT;
ALTER TABLE runners ADD COLUMN capabilities TEXT NOT NULL DEFAULT '[]';
`;
