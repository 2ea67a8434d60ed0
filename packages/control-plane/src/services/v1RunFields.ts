/**
 * The first version's `step_dependencies` and `step_artifact_requirements` (by task id) of
 * `WorkflowRunRead`, added to the run view. (Its retry and per-role rollups are v1Rollup.ts's.)
 */
import type { TaskRow } from '../store/ops/tasks.js';
import { parseJson } from '../store/sql.js';

export function withV1RunFields<V extends { id: number }>(
  view: V,
  tasks: ReadonlyArray<Pick<TaskRow, 'id' | 'step_id' | 'depends_on' | 'required_artifacts'>>,
) {
  const stepTask = new Map(tasks.map((t) => [t.step_id, t.id]));
  const deps = (t: Pick<TaskRow, 'depends_on'>) => parseJson<number[]>(t.depends_on, []);
  return {
    ...view,
    step_dependencies: Object.fromEntries(tasks.map((t) => [String(t.id), deps(t)])),
    step_artifact_requirements: Object.fromEntries(
      tasks.map((t) => [
        String(t.id),
        parseJson<
          Array<{ from_step_id?: string | null; artifact_type?: string | null; label?: string | null }>
        >(t.required_artifacts, []).map((r) => ({
          from_task_ids: r.from_step_id
            ? [stepTask.get(r.from_step_id)].filter((x) => x !== undefined)
            : deps(t),
          artifact_type: r.artifact_type ?? null,
          label: r.label ?? null,
        })),
      ]),
    ),
  };
}
