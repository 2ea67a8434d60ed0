/**
 * Execution-mode validation as the first version did it (reference §3 "Execution modes"), with our
 * stable codes and v1's detail texts: at task creation (`POST /tasks`), for run step overrides, and
 * again at dispatch (the project's root or allowed paths, or a symlink, may have changed since).
 *
 * - shared-workspace needs a project and (when the client asked for the mode) lock paths;
 * - docker-sandbox needs a project and a `sandbox`; a `sandbox` with any other mode is refused;
 * - lock paths and mount sources are absolute, resolved (`..` and symlinks) and must lie inside the
 *   project root (PATH_OUTSIDE_ROOT) and, when the project has allowed paths, inside one of them
 *   (PATH_OUTSIDE_ALLOWED). Lock paths nested in another are collapsed into it, as in v1.
 * isolated-worktree keeps its own rules (services/worktrees.ts: a project in git).
 */
import { recordDispatchBlocked } from './dispatchBlocked.js';
import path from 'node:path';
import type { ExecutionMode, SandboxConfig } from '@multyagents/contracts';
import { isInside } from '../domain/paths.js';
import { AppError } from '../lib/errors.js';
import { getProject } from '../store/ops/projects.js';
import type { TaskRow } from '../store/ops/tasks.js';
import type { Sql } from '../store/sql.js';
import { parseJson } from '../store/sql.js';
import type { ServiceContext } from './context.js';
import { assertInsideRoot, realpathLenient } from './paths.js';

export interface ModeFields {
  execution_mode: ExecutionMode;
  project_id: number | null;
  lock_paths: readonly string[];
  sandbox?: SandboxConfig | null;
}

export interface ProjectPaths {
  root_path: string;
  allowed_paths: readonly string[];
}

/** What is stored: lock paths resolved and collapsed, mount sources resolved. */
export interface CheckedMode {
  lock_paths: string[];
  sandbox: SandboxConfig | null;
}

function invalid(detail: string, field: string): AppError {
  return new AppError('VALIDATION_FAILED', detail, { field });
}

/**
 * The rules that need no store (v1's request validators). `locksRequired`: the client asked for
 * shared-workspace itself (a template's derived default may run without lock paths).
 */
export function checkModeShape(m: ModeFields, prefix: string, locksRequired: boolean): void {
  const mode = m.execution_mode;
  if (mode !== 'docker-sandbox' && m.sandbox != null)
    throw invalid('sandbox is supported only for docker-sandbox mode', `${prefix}sandbox`);
  if ((mode === 'shared-workspace' || mode === 'docker-sandbox') && m.project_id === null)
    throw invalid(`project_id is required for ${mode} mode`, `${prefix}project_id`);
  if (mode === 'shared-workspace' && locksRequired && m.lock_paths.length === 0)
    throw invalid('lock_paths is required for shared-workspace mode', `${prefix}lock_paths`);
  if (mode === 'docker-sandbox' && m.sandbox == null)
    throw invalid('sandbox is required for docker-sandbox mode', `${prefix}sandbox`);
  m.lock_paths.forEach((p, i) => {
    if (!path.isAbsolute(p))
      throw new AppError('PATH_NOT_ABSOLUTE', 'lock_paths values must be absolute paths', {
        field: `${prefix}lock_paths[${i}]`,
      });
  });
  const s = m.sandbox;
  if (!s) return;
  if (!s.workdir.startsWith('/'))
    throw new AppError('PATH_NOT_ABSOLUTE', 'sandbox workdir must be absolute path', {
      field: `${prefix}sandbox.workdir`,
    });
  s.mounts.forEach((mt, i) => {
    for (const key of ['source', 'target'] as const) {
      if (!path.isAbsolute(mt[key]))
        throw new AppError('PATH_NOT_ABSOLUTE', `sandbox mount ${key} must be absolute path`, {
          field: `${prefix}sandbox.mounts[${i}].${key}`,
        });
    }
  });
}

/** `p` resolved (`..` and symlinks), checked inside the root and, if any, one allowed path. */
function resolveInside(p: string, project: ProjectPaths, what: string, field: string): string {
  const real = realpathLenient(path.resolve(p));
  if (!isInside(real, realpathLenient(project.root_path)))
    throw new AppError('PATH_OUTSIDE_ROOT', `${what} is outside project root: ${real}`, { field });
  const allowed = project.allowed_paths.map((a) => realpathLenient(a));
  if (allowed.length > 0 && !allowed.some((a) => isInside(real, a)))
    throw new AppError('PATH_OUTSIDE_ALLOWED', `${what} is outside allowed paths: ${real}`, { field });
  return real;
}

/** Lock paths with one inside another collapsed into the outer one (v1), shortest first. */
function collapse(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of [...new Set(paths)].sort((a, b) => a.length - b.length))
    if (!out.some((o) => isInside(p, o))) out.push(p);
  return out;
}

/** The path rules against the project (undefined: a task without one). */
export function checkModePaths(
  m: ModeFields,
  project: ProjectPaths | undefined,
  prefix: string,
): CheckedMode {
  const locks = m.lock_paths.map((p, i) =>
    project
      ? resolveInside(p, project, 'lock path', `${prefix}lock_paths[${i}]`)
      : assertInsideRoot(p, '/', `${prefix}lock_paths[${i}]`),
  );
  const s = m.sandbox ?? null;
  const sandbox =
    s && project
      ? {
          ...s,
          mounts: s.mounts.map((mt, i) => ({
            ...mt,
            source: resolveInside(
              mt.source,
              project,
              'sandbox mount source',
              `${prefix}sandbox.mounts[${i}].source`,
            ),
          })),
        }
      : s;
  return { lock_paths: project ? collapse(locks) : locks, sandbox };
}

/** Both stages, with the project read (an unknown one is 404 PROJECT_NOT_FOUND, as in v1). */
export async function checkMode(
  sql: Sql,
  m: ModeFields,
  prefix: string,
  locksRequired: boolean,
): Promise<CheckedMode> {
  checkModeShape(m, prefix, locksRequired);
  const project = m.project_id === null ? undefined : await getProject(sql, m.project_id);
  if (m.project_id !== null && !project)
    throw new AppError('PROJECT_NOT_FOUND', `project ${m.project_id} not found`, {
      field: `${prefix}project_id`,
    });
  return checkModePaths(m, project, prefix);
}

/**
 * At dispatch: the stored lock paths and mount sources against the project as it is now (422 for a
 * manual dispatch; the scheduler fails the task). Lock paths are not required here: tasks from a
 * template's derived shared-workspace default have none.
 */
export async function checkModeAtDispatch(sql: Sql, t: TaskRow): Promise<void> {
  const m: ModeFields = {
    execution_mode: t.execution_mode as ExecutionMode,
    project_id: t.project_id,
    lock_paths: parseJson<string[]>(t.lock_paths, []),
    sandbox: parseJson<SandboxConfig | null>(t.sandbox, null),
  };
  await checkMode(sql, m, '', false);
}

/** What a run step override may set of the step's workspace (contracts StepTaskOverride). */
export interface StepWorkspace {
  execution_mode?: ExecutionMode;
  project_id?: number | null;
  lock_paths?: string[];
  sandbox?: SandboxConfig | null;
}

/**
 * A run step's workspace: the template's project unless the override names one (a template with a
 * project admits only that one), the override's lock paths and sandbox, checked for `mode` (the
 * step's mode, from the override or the template). Lock paths are required only when the override
 * itself asks for shared-workspace.
 */
export async function checkStepMode(
  sql: Sql,
  tpl: { project_id: number | null },
  stepId: string,
  o: StepWorkspace,
  mode: ExecutionMode,
): Promise<CheckedMode & { project_id: number | null }> {
  const prefix = `step_task_overrides.${stepId}.`;
  if (o.project_id != null && tpl.project_id !== null && o.project_id !== tpl.project_id)
    throw invalid(
      `step '${stepId}' cannot use project ${o.project_id}: the template's project is ${tpl.project_id}`,
      `${prefix}project_id`,
    );
  const project_id = o.project_id ?? tpl.project_id;
  const m = { execution_mode: mode, project_id, lock_paths: o.lock_paths ?? [], sandbox: o.sandbox };
  return { ...(await checkMode(sql, m, prefix, o.execution_mode === 'shared-workspace')), project_id };
}

/** `blocked_capability` value a task keeps while its workspace no longer validates (one event, not one per pass). */
const WORKSPACE_INVALID = 'workspace-invalid';

/**
 * The scheduler's check before it places a ready task: a workspace that no longer validates leaves
 * the task ready (as a missing runner capability does: fixing the project lets it go; otherwise the
 * time-to-start limit fails it) with one `task.dispatch_blocked` event. True when blocked.
 */
export async function blockedByWorkspace(ctx: ServiceContext, sql: Sql, t: TaskRow): Promise<boolean> {
  // Nothing to check again without a project, lock paths or a sandbox (the shape was checked at
  // creation): the scheduler asks this for every task it places.
  if (
    t.project_id === null &&
    (t.lock_paths === '[]' || !t.lock_paths) &&
    (!t.sandbox || t.sandbox === 'null')
  )
    return false;
  try {
    await checkModeAtDispatch(sql, t);
    return false;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    await recordDispatchBlocked(ctx, sql, t, WORKSPACE_INVALID, {
      reason: WORKSPACE_INVALID,
      code: err.code,
      detail: String(err.detail ?? err.message),
    });
    return true;
  }
}
