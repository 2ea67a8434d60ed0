/**
 * The workflow file of `multyagents run` (control-plane `cli/workflowFile.ts`, docs/cli.md "Workflow
 * files") as the builder holds it, and the conversions template ↔ file. Pure: no I/O, no YAML (the raw
 * text lives in `workflowText.ts`, which loads the `yaml` package on demand).
 *
 * In the file, steps name their role and the workflow names its project; the API's template holds ids.
 * A file may declare new roles under `roles`; like `run`, the builder creates the declared roles that do
 * not exist yet when it saves, and reuses the ones that do (a shared name means its lowest id).
 */
import type {
  ExecutionMode,
  MergePolicy,
  QualityGateCheckId,
  QualityGateCheckPolicy,
  RequiredArtifact,
  RetryOnCategory,
  RetryPolicy,
} from '@multyagents/contracts';

// Runtime copies of contract enums: the panel imports contract types only (test/unit checks they match).
export const EXECUTION_MODES = [
  'no-workspace',
  'shared-workspace',
  'isolated-worktree',
  'docker-sandbox',
] as const satisfies readonly ExecutionMode[];
export const QUALITY_GATE_CHECKS = [
  'task-status',
  'approval-status',
  'handoff-present',
  'required-artifacts-present',
] as const satisfies readonly QualityGateCheckId[];
export const RETRY_ON_CATEGORIES = [
  'network',
  'flaky-test',
  'runner-transient',
  'runner-submit',
  'runner-lost',
  'timeout',
  'agent-error',
  'test-regression',
  'unknown',
] as const satisfies readonly RetryOnCategory[];
export const MERGE_STRATEGIES = [
  'fast-forward',
  'merge-commit',
] as const satisfies readonly MergePolicy['strategy'][];
/** The API's branch name rule (contracts `BranchName`), for the merge target typed in the builder. */
export const BRANCH_NAME = /^(?!\/|.*\/\/|.*\.\.|.*@\{|.*\.lock$|.*\/$|-)[A-Za-z0-9._/+-]+$/;
/** What the API stores when a template gives no merge policy. */
export const DEFAULT_MERGE: MergePolicy = {
  enabled: true,
  strategy: 'fast-forward',
  requires_approval: false,
  target_branch: null,
};
/** Step ids starting with this name the tasks multyagents adds to a run (RESERVED_STEP_ID). */
export const RESERVED_STEP_PREFIX = 'multyagents.';

export interface FileStep {
  id: string;
  role: string;
  title: string;
  description?: string;
  depends_on: string[];
  required_artifacts?: RequiredArtifact[];
  quality_gate_policy?: { required_checks?: Array<Partial<QualityGateCheckPolicy>> };
  retry_policy?: Partial<RetryPolicy>;
  requires_approval?: boolean;
  timeout_seconds?: number;
  time_to_start_seconds?: number;
  executor_params?: Record<string, unknown>;
}

/** A `POST /roles` body; only its name is read here, the API checks the rest. */
export type DeclaredRole = { name: string } & Record<string, unknown>;

export interface WorkflowFileDoc {
  name: string;
  /** Kept in the file only: a template has no description (`run` does not send it either). */
  description?: string;
  project?: string;
  execution_mode?: ExecutionMode;
  merge?: Partial<MergePolicy>;
  roles: DeclaredRole[];
  steps: FileStep[];
}

/** The `POST`/`PUT /workflow-templates` body. */
export interface TemplateBody {
  name: string;
  project_id?: number | null;
  execution_mode?: ExecutionMode | null;
  merge?: Partial<MergePolicy>;
  steps: Array<Omit<FileStep, 'id' | 'role'> & { step_id: string; role_id: number }>;
}

/** What the panel reads of a stored template (`GET /workflow-templates`). */
export interface TemplateView {
  id: number;
  name: string;
  project_id: number | null;
  execution_mode: ExecutionMode | null;
  merge: MergePolicy;
  steps: Array<Omit<FileStep, 'id' | 'role'> & { step_id: string; role_id: number }>;
}

export interface Named {
  id: number;
  name: string;
}

/** A name means the role (or project) of that name with the lowest id, as `multyagents run` resolves it. */
export function idsByName(list: readonly Named[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of [...list].sort((a, b) => a.id - b.id)) if (!out.has(r.name)) out.set(r.name, r.id);
  return out;
}

const STEP_KEYS = [
  'id',
  'title',
  'role',
  'description',
  'depends_on',
  'requires_approval',
  'timeout_seconds',
  'time_to_start_seconds',
  'retry_policy',
  'quality_gate_policy',
  'required_artifacts',
  'executor_params',
] as const;
const FILE_KEYS = ['name', 'description', 'project', 'execution_mode', 'merge', 'roles', 'steps'] as const;

function ordered(o: object, keys: readonly string[]): Record<string, unknown> {
  const src = o as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of keys) if (src[k] !== undefined) out[k] = src[k];
  return out;
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The file as the builder writes it: keys in a fixed order, empty defaults left out. */
export function canonicalFile(doc: WorkflowFileDoc): Record<string, unknown> {
  const steps = doc.steps.map((s) => {
    const step = ordered(s, STEP_KEYS);
    if (s.depends_on.length === 0) delete step.depends_on;
    if (s.required_artifacts?.length === 0) delete step.required_artifacts;
    return step;
  });
  const file = ordered({ ...doc, steps }, FILE_KEYS);
  if (doc.roles.length === 0) delete file.roles;
  return file;
}

export interface Conversion {
  doc: WorkflowFileDoc;
  /** What the file cannot say exactly (a role or project the names do not identify). */
  problems: string[];
}

/** A stored template as a workflow file: ids become names. */
export function templateToFile(
  t: TemplateView,
  roles: readonly Named[],
  projects: readonly Named[],
): Conversion {
  const problems: string[] = [];
  const roleName = new Map(roles.map((r) => [r.id, r.name]));
  const roleIds = idsByName(roles);
  const steps = t.steps.map(({ step_id, role_id, ...rest }) => {
    const name = roleName.get(role_id);
    if (name === undefined) problems.push(`step "${step_id}": role ${role_id} does not exist any more`);
    else if (roleIds.get(name) !== role_id)
      problems.push(
        `step "${step_id}": role ${role_id} shares the name "${name}" with role ${roleIds.get(name)}, which the name means`,
      );
    return { id: step_id, role: name ?? '', ...rest, depends_on: rest.depends_on ?? [] };
  });
  const doc: WorkflowFileDoc = { name: t.name, roles: [], steps };
  if (t.project_id !== null) {
    const p = projects.find((x) => x.id === t.project_id);
    if (p) doc.project = p.name;
    else problems.push(`project ${t.project_id} is not in the projects list`);
  }
  if (t.execution_mode) doc.execution_mode = t.execution_mode;
  if (!sameJson(ordered(t.merge, Object.keys(DEFAULT_MERGE)), DEFAULT_MERGE)) doc.merge = t.merge;
  return { doc, problems };
}

/** The template body once names are resolved (same as `templateBody` of the CLI). */
export function fileToTemplate(
  doc: WorkflowFileDoc,
  roleIds: ReadonlyMap<string, number>,
  projectId: number | null,
): TemplateBody {
  return {
    name: doc.name.trim(),
    ...(projectId !== null ? { project_id: projectId } : {}),
    ...(doc.execution_mode ? { execution_mode: doc.execution_mode } : {}),
    ...(doc.merge ? { merge: doc.merge } : {}),
    steps: doc.steps.map(({ id, role, ...rest }) => {
      const roleId = roleIds.get(role);
      if (roleId === undefined) throw new Error(`role "${role}" was not resolved`);
      return { step_id: id, role_id: roleId, ...rest };
    }),
  };
}

export interface SavePlan {
  /** Declared roles that do not exist yet: created (POST /roles) before the template is saved. */
  create: DeclaredRole[];
  /** Role names neither declared nor existing. */
  unknownRoles: string[];
  projectId: number | null;
  /** The project named by the file when no project has that name. */
  unknownProject: string | null;
}

/** What saving this file against these roles and projects does, before anything is sent. */
export function planSave(
  doc: WorkflowFileDoc,
  roles: readonly Named[],
  projects: readonly Named[],
): SavePlan {
  const existing = idsByName(roles);
  const create = doc.roles.filter(
    (r, i) => !existing.has(r.name) && doc.roles.findIndex((o) => o.name === r.name) === i,
  );
  const known = new Set([...existing.keys(), ...create.map((r) => r.name)]);
  const unknownRoles = [...new Set(doc.steps.map((s) => s.role))].filter((r) => r !== '' && !known.has(r));
  const projectId = doc.project === undefined ? null : (idsByName(projects).get(doc.project) ?? null);
  return {
    create,
    unknownRoles,
    projectId,
    unknownProject: doc.project !== undefined && projectId === null ? doc.project : null,
  };
}
