/**
 * The first version's fields of the runner payload (`runner_payload` of a dispatch answer, and what
 * the runner receives): `role_id`, `role_skill_packs` (names), `context: {provider: 'context7',
 * enabled}`, `workspace.project_root` / `workspace.lock_paths`, the docker sandbox with v1's default
 * mount, and `consumed_artifact_ids`. Ours adds `context7_enabled` at the top level. All additive:
 * our runner reads its own fields (`lock_paths`, `worktree`, ...) and ignores these.
 */
import type { Project, Role, RunnerSubmit } from '@multyagents/contracts';
import { artifactsProducedBy, requiredHandoffArtifactIds } from '../store/ops/v1Fields.js';
import { stepIdsOf, type TaskRow } from '../store/ops/tasks.js';
import type { Sql } from '../store/sql.js';
import { parseJson } from '../store/sql.js';

export const V1_SANDBOX_WORKDIR = '/workspace/project';

type V1Fields = Pick<
  RunnerSubmit,
  | 'role_id'
  | 'role_skill_packs'
  | 'context'
  | 'context7_enabled'
  | 'consumed_artifact_ids'
  | 'workspace'
  | 'sandbox'
>;

export async function v1PayloadFields(
  sql: Sql,
  t: TaskRow,
  args: {
    role: Role | undefined;
    project: Pick<Project, 'id' | 'root_path' | 'allowed_paths'> | undefined;
    skillPackNames: string[];
    context7: boolean;
  },
): Promise<V1Fields> {
  const { project } = args;
  const heldLocks = t.locks_released ? [] : parseJson<string[]>(t.lock_paths, []);
  return {
    role_id: t.role_id,
    role_skill_packs: args.skillPackNames,
    context: { provider: 'context7', enabled: args.context7 },
    context7_enabled: args.context7,
    consumed_artifact_ids: await consumedArtifactIds(sql, t),
    workspace: {
      project_id: t.project_id,
      root_path: project?.root_path ?? null,
      project_root: project?.root_path ?? null,
      lock_paths: heldLocks,
    },
    sandbox: v1Sandbox(t, project),
  };
}

/**
 * A docker-sandbox task's sandbox as v1 sent it: `workdir` defaults to /workspace/project and, with
 * no mounts given, the project's first allowed path (else its root) is mounted read-write at it.
 */
export function v1Sandbox(
  t: Pick<TaskRow, 'sandbox' | 'execution_mode'>,
  project: Pick<Project, 'root_path' | 'allowed_paths'> | undefined,
): Record<string, unknown> | null {
  const sb = parseJson<Record<string, unknown> | null>(t.sandbox, null);
  if (!sb || t.execution_mode !== 'docker-sandbox') return sb;
  const workdir = typeof sb.workdir === 'string' && sb.workdir ? sb.workdir : V1_SANDBOX_WORKDIR;
  const given = Array.isArray(sb.mounts) ? sb.mounts : [];
  const source = project ? (project.allowed_paths[0] ?? project.root_path) : null;
  const mounts = given.length || !source ? given : [{ source, target: workdir, read_only: false }];
  return { env: {}, ...sb, workdir, mounts };
}

interface Requirement {
  from_step_id?: string | null;
  artifact_type?: string | null;
  label?: string | null;
}

/**
 * The artifacts a step consumes: for each of its `required_artifacts`, the run's artifacts of the
 * named upstream step (or of every dependency) with the type and label asked for; of those, the ones
 * the producer's handoff marks `is_required` (v1's rule), or all of them when the handoff marks
 * none (ours does not require the mark to dispatch; docs/compatibility.md).
 */
export async function consumedArtifactIds(sql: Sql, t: TaskRow): Promise<number[]> {
  const required = parseJson<Requirement[]>(t.required_artifacts, []);
  const deps = parseJson<number[]>(t.depends_on, []);
  if (required.length === 0 || deps.length === 0 || t.run_id === null) return [];
  const steps = await stepIdsOf(sql, t.run_id, deps);
  const arts = (await artifactsProducedBy(sql, deps)).filter((a) => a.run_id === t.run_id);
  const marked = await requiredHandoffArtifactIds(sql, deps);
  const out: number[] = [];
  for (const req of required) {
    const from = req.from_step_id
      ? steps.filter((s) => s.step_id === req.from_step_id).map((s) => s.id)
      : deps;
    const matched = arts.filter(
      (a) =>
        from.includes(a.producer_task_id) &&
        (!req.artifact_type || a.artifact_type === req.artifact_type) &&
        (!req.label || hasLabel(a, req.label)),
    );
    const chosen = matched.some((a) => marked.has(a.id)) ? matched.filter((a) => marked.has(a.id)) : matched;
    for (const a of chosen) if (!out.includes(a.id)) out.push(a.id);
  }
  return out;
}

function hasLabel(a: { summary: string; metadata: Record<string, unknown> }, label: string): boolean {
  const m = a.metadata;
  return m.label === label || (Array.isArray(m.labels) && m.labels.includes(label)) || a.summary === label;
}
