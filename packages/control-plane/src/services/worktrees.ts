/**
 * Isolated-worktree runs, the API side: the base a run (or a standalone task) starts from, resolved
 * from the project's git repository when it is created; the run's merge task; and the fence a runner
 * asks right before it commits, moves a ref or merges. The runner payload is services/worktreePayload.ts,
 * the terminal report's worktree services/worktreeReports.ts.
 *
 * Why git is asked outside the store transaction: a probe is a child process (up to seconds on a slow
 * disk); holding the single SQLite writer meanwhile would stall every report and claim. The plan is
 * made first and checked again inside the transaction (RUN_STATE_CONFLICT if the template changed).
 */
import fs from 'node:fs';
import {
  MERGE_STEP_ID,
  type ExecutionMode,
  type MergePolicy,
  type Project,
  type TaskCreate,
  type WorkflowRunCreate,
  type WorkflowStep,
} from '@multyagents/contracts';
import { DEFAULT_RETRY_POLICY } from '../domain/retry.js';
import { AppError } from '../lib/errors.js';
import { isLiveCurrent } from '../domain/attemptMachine.js';
import { getAttempt } from '../store/ops/attempts.js';
import { getProject } from '../store/ops/projects.js';
import type { RunWorktreeFields } from '../store/ops/runs.js';
import { getTaskRow, setDependencies, updateTask } from '../store/ops/tasks.js';
import { getTemplateRow, mergePolicyOf, type TemplateRow } from '../store/ops/templates.js';
import type { Sql, Store } from '../store/sql.js';
import { json, withTx } from '../store/sql.js';
import { nowIso, type ServiceContext } from './context.js';
import { branchSha, currentBranch, git } from './gitProbe.js';
import * as tasks from './tasks.js';

export const ISOLATED: ExecutionMode = 'isolated-worktree';

/** A step's execution mode: the run's override, the template's default, else derived from the project. */
export function stepMode(
  tpl: Pick<TemplateRow, 'project_id' | 'execution_mode'>,
  override: ExecutionMode | undefined,
): ExecutionMode {
  return override ?? tpl.execution_mode ?? (tpl.project_id ? 'shared-workspace' : 'no-workspace');
}

function notGit(detail: string, field: string): AppError {
  return new AppError('WORKSPACE_NOT_GIT', detail, { field });
}

export interface ResolvedBase {
  base_branch: string;
  base_sha: string;
}

/**
 * The branch and commit an isolated-worktree run starts from: `requested`, else the project's
 * default_branch, else the branch checked out in the project root. 422 WORKSPACE_NOT_GIT names the
 * root and the branch when the root is no git work tree, HEAD is detached or the branch is unknown.
 */
export async function resolveBase(
  project: Project | undefined,
  requested: string | null | undefined,
  field = 'base_branch',
): Promise<ResolvedBase> {
  if (!project)
    throw notGit(
      'isolated-worktree needs a project whose root is a git work tree; there is none',
      'project_id',
    );
  const root = project.root_path;
  if (!fs.existsSync(root)) throw notGit(`project root ${root} does not exist`, 'project_id');
  const inside = await git(root, ['rev-parse', '--is-inside-work-tree']);
  if (!inside.ok || inside.stdout !== 'true')
    throw notGit(
      `project root ${root} is not inside a git work tree${inside.error ? ` (${inside.error})` : ''}`,
      'project_id',
    );
  let branch = requested ?? project.default_branch;
  const from = requested ? field : 'project_id';
  if (!branch) {
    const head = await currentBranch(root);
    if (!head.ok)
      throw notGit(
        `the repository at ${root} has no branch checked out (detached HEAD); give base_branch or set the project's default_branch`,
        field,
      );
    branch = head.stdout;
  }
  const sha = await branchSha(root, branch);
  if (!sha.ok)
    throw notGit(
      `branch '${branch}' does not exist in the repository at ${root}${requested ? '' : ` (the project's default_branch)`}`,
      from,
    );
  return { base_branch: branch, base_sha: sha.stdout };
}

export interface RunWorktreePlan {
  fields: RunWorktreeFields;
  merge: MergePolicy;
  project_root: string;
}

/**
 * For a run from a template with at least one isolated-worktree step: its base, target and merge
 * policy (null otherwise; a run from task_ids uses the bases its tasks recorded when created).
 */
export async function planRunWorktree(
  ctx: ServiceContext,
  body: WorkflowRunCreate,
  steps: (text: string) => WorkflowStep[],
): Promise<RunWorktreePlan | null> {
  if (body.workflow_template_id == null) return null;
  const read = await ctx.store.read(async (sql) => {
    const tpl = await getTemplateRow(sql, body.workflow_template_id!);
    const project = tpl?.project_id != null ? await getProject(sql, tpl.project_id) : undefined;
    return { tpl, project };
  });
  const tpl = read.tpl;
  if (!tpl) return null; // the run's own transaction answers 404
  const isolated = steps(tpl.steps).some(
    (s) => stepMode(tpl, body.step_task_overrides[s.step_id]?.execution_mode) === ISOLATED,
  );
  if (!isolated) return null;
  const base = await resolveBase(read.project, body.base_branch);
  const merge = mergePolicyOf(tpl.merge);
  const root = read.project!.root_path;
  let target: { branch: string | null; sha: string | null } = { branch: null, sha: null };
  if (merge.enabled) {
    const branch = merge.target_branch ?? base.base_branch;
    const sha =
      branch === base.base_branch ? { ok: true, stdout: base.base_sha } : await branchSha(root, branch);
    if (!sha.ok)
      throw notGit(
        `merge target branch '${branch}' of template ${tpl.id} does not exist in the repository at ${root}`,
        'workflow_template_id',
      );
    target = { branch, sha: sha.stdout };
  }
  return {
    fields: {
      ...base,
      target_branch: target.branch,
      target_sha: target.sha,
      merge_strategy: merge.enabled ? merge.strategy : null,
    },
    merge,
    project_root: root,
  };
}

/**
 * The run's merge task: after every other task (it depends on all of them), in isolated-worktree,
 * no retries (a merge that failed needs a person: a conflict or a moved target). It runs no agent —
 * the runner lands the steps' commits itself — so its role is only the template's last step's, for
 * the views and per-role counts.
 */
export async function addMergeTask(
  ctx: ServiceContext,
  sql: Sql,
  run: { id: number; project_id: number | null },
  plan: RunWorktreePlan,
  lastStep: WorkflowStep,
  stepTaskIds: number[],
): Promise<number> {
  const id = await tasks.insertTaskWithEvents(ctx, sql, {
    run_id: run.id,
    step_id: MERGE_STEP_ID,
    role_id: lastStep.role_id,
    project_id: run.project_id,
    title: `Merge run ${run.id} into ${plan.fields.target_branch}`,
    description: null,
    context7_mode: 'inherit',
    execution_mode: ISOLATED,
    requires_approval: plan.merge.requires_approval ? 1 : 0,
    lock_paths: '[]',
    sandbox: null,
    quality_gate_policy: null,
    executor_params: null,
    depends_on: '[]',
    required_artifacts: '[]',
    retry_policy: json({ ...DEFAULT_RETRY_POLICY, max_retries: 0, retry_on: [] }),
    timeout_seconds: null,
    time_to_start_seconds: null,
    kind: 'merge',
  });
  await setDependencies(sql, id, stepTaskIds, nowIso(ctx));
  return id;
}

/**
 * `POST /tasks`: an isolated-worktree task resolves its base first (its branch
 * `multyagents/task-<id>` is its result; it gets no merge task). Everything else is tasks.createTask.
 */
export async function createTask(ctx: ServiceContext, body: TaskCreate) {
  if (body.execution_mode !== ISOLATED) return tasks.createTask(ctx, body);
  const project =
    body.project_id == null ? undefined : await ctx.store.read((sql) => getProject(sql, body.project_id!));
  if (body.project_id != null && !project)
    throw new AppError('PROJECT_NOT_FOUND', `project ${body.project_id} not found`, {
      field: 'project_id',
    });
  const base = await resolveBase(project, null);
  // tasks.createTask owns the insert and its checks; its transaction is extended so that the base
  // commits with the task (never a task without one).
  const created = await tasks.createTask(
    {
      ...ctx,
      store: extendTx(ctx.store, async (sql, view: { id: number }) => {
        await updateTask(sql, view.id, base, nowIso(ctx));
      }),
    },
    body,
  );
  return tasks.getTask(ctx, created.id);
}

/** A store whose write transactions run `after` (same transaction, before the commit). */
function extendTx<V>(store: Store, after: (sql: Sql, out: V) => Promise<void>): Store {
  return withTx(store, (fn) =>
    store.tx(async (sql) => {
      const out = await fn(sql);
      await after(sql, out as V);
      return out;
    }),
  );
}

/**
 * `POST /runner/tasks/{id}/fence`: whether `attempt` is still the task's current, live attempt. The
 * runner asks right before an irreversible git step (commit, ref move, merge); a 409 STALE_ATTEMPT
 * means another attempt (or a cancel) took over and the step must not happen.
 */
/** `caller`: the runner asking (its own credential); an attempt another runner holds is not current for it. */
export async function fence(
  ctx: ServiceContext,
  taskId: number,
  attemptNo: number,
  caller: number | null = null,
) {
  return ctx.store.read(async (sql) => {
    const t = await getTaskRow(sql, taskId);
    if (!t) throw new AppError('TASK_NOT_FOUND', `task ${taskId} not found`);
    const a = await getAttempt(sql, taskId, attemptNo);
    const mine = caller === null || !a || a.runner_id === null || a.runner_id === caller;
    if (a && mine && isLiveCurrent(t, a) && t.status !== 'cancel-requested')
      return { current: true, task_id: taskId, attempt: attemptNo };
    throw new AppError(
      'STALE_ATTEMPT',
      mine
        ? `attempt ${attemptNo} of task ${taskId} is no longer current (current attempt ${t.attempt}, ${t.status}${a ? `; attempt ${attemptNo} is ${a.status}` : ''})`
        : `attempt ${attemptNo} of task ${taskId} belongs to runner ${a!.runner_id}, not runner ${caller}`,
      { current_attempt: t.attempt, current_status: t.status },
    );
  });
}
