/**
 * The `worktree` part of the runner payload for an isolated-worktree task (contracts SubmitWorktree):
 * repository, branch, start point and the upstream steps' result commits; for the run's merge task
 * also where and how to land them. Read-only, inside the claim's transaction.
 */
import type { Role, RunnerSubmit, SubmitWorktree } from '@multyagents/contracts';
import { getRunRow } from '../store/ops/runs.js';
import type { TaskRow } from '../store/ops/tasks.js';
import { getTemplateRow } from '../store/ops/templates.js';
import { summaryFirstLines, worktreeResults } from '../store/ops/worktrees.js';
import type { Sql } from '../store/sql.js';
import { parseJson } from '../store/sql.js';

type Project = { root_path: string; worktree_setup: SubmitWorktree['setup'] } | undefined;

/** A role that asks for a sandbox (`execution_constraints.sandbox: 'required'`) runs under bwrap. */
export function sandboxRequired(role: Pick<Role, 'execution_constraints'> | undefined): boolean {
  return role?.execution_constraints.sandbox === 'required';
}

export function stepKeyOf(t: Pick<TaskRow, 'id' | 'run_id' | 'step_id'>): string {
  return t.run_id !== null && t.step_id ? t.step_id : `task-${t.id}`;
}

export function branchOf(t: Pick<TaskRow, 'id' | 'run_id' | 'step_id'>): string {
  return t.run_id !== null && t.step_id
    ? `multyagents/run-${t.run_id}/${t.step_id}`
    : `multyagents/task-${t.id}`;
}

/**
 * `worktree` and `sandbox_required` for the payload. A task without a recorded base (stored before
 * bases were recorded) gets no worktree: the runner refuses isolated-worktree without one, which
 * fails the attempt with its reason rather than running it in the project root.
 */
export async function worktreePayload(
  sql: Sql,
  t: TaskRow,
  project: Project,
  role: Pick<Role, 'execution_constraints'> | undefined,
): Promise<Pick<RunnerSubmit, 'worktree' | 'sandbox_required'>> {
  const sandbox = sandboxRequired(role) ? { sandbox_required: true } : {};
  if (t.execution_mode !== 'isolated-worktree' || !project) return sandbox;
  const run = t.run_id === null ? undefined : await getRunRow(sql, t.run_id);
  const baseSha = run?.base_sha ?? t.base_sha;
  if (!baseSha) return sandbox;
  const deps = await worktreeResults(sql, parseJson<number[]>(t.depends_on, []));
  // Dependency order; only steps that succeeded with a reported result commit count.
  const heads = deps.filter((d) => d.status === 'success' && d.kind === 'step' && d.worktree?.head_sha);
  const worktree: SubmitWorktree = {
    repo_root: project.root_path,
    branch: branchOf(t),
    step_key: stepKeyOf(t),
    base_sha: baseSha,
    base_branch: run?.base_branch ?? t.base_branch,
    upstream: heads.map((d) => ({ task_id: d.id, step_id: d.step_id, commit: d.worktree!.head_sha! })),
    setup: project.worktree_setup,
  };
  if (t.kind === 'merge' && run?.target_branch) {
    const tpl =
      run.workflow_template_id === null ? undefined : await getTemplateRow(sql, run.workflow_template_id);
    const summaries = await summaryFirstLines(
      sql,
      deps.map((d) => d.id),
    );
    const lines = deps.map((d) => `${d.step_id ?? `task-${d.id}`}: ${summaries.get(d.id) || '(no summary)'}`);
    worktree.merge = {
      target_branch: run.target_branch,
      expected_sha: run.target_sha ?? baseSha,
      strategy: run.merge_strategy === 'merge-commit' ? 'merge-commit' : 'fast-forward',
      message: `multyagents: run ${run.id} (${tpl?.name ?? 'no template'})\n\n${lines.join('\n')}`.slice(
        0,
        10_000,
      ),
    };
  }
  return { worktree, ...sandbox };
}
