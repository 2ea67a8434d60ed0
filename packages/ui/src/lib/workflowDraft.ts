/**
 * The workflow builder's draft and its inline validation, the same rules the API applies to a template
 * (DAG_* codes): ids present, unique and not reserved, dependencies known and not on the step itself,
 * no cycle; with the roles and projects loaded, every name refers to one (ROLE_NOT_FOUND,
 * PROJECT_NOT_FOUND). Pure: the form and the raw JSON/YAML mode both go through these.
 */
import {
  BRANCH_NAME,
  planSave,
  RESERVED_STEP_PREFIX,
  type FileStep,
  type Named,
  type WorkflowFileDoc,
} from './workflowFile';
import type { Path } from './workflowShape';

/** The builder's draft is the workflow file itself: steps name their role, the workflow its project. */
export type DraftStep = FileStep;
export type Draft = WorkflowFileDoc;

export interface Issue {
  /** Index of the step the issue is about; null for the whole workflow. */
  step: number | null;
  code: string;
  message: string;
  /** Where in the file (raw mode shows its line). */
  path: Path;
}

/** What names can refer to (roles and projects as the API lists them); null while they load. */
export interface Catalogue {
  roles: readonly Named[];
  projects: readonly Named[];
}

const isInt = (v: number, min: number, max: number) => Number.isInteger(v) && v >= min && v <= max;
const STEP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function validateDraft(d: Draft, cat: Catalogue | null = null): Issue[] {
  const issues: Issue[] = [];
  const add = (step: number | null, code: string, message: string, path: Path) =>
    issues.push({ step, code, message, path });
  if (!d.name.trim()) add(null, 'VALIDATION_FAILED', 'the workflow needs a name', ['name']);
  if (d.steps.length === 0) add(null, 'VALIDATION_FAILED', 'add at least one step', ['steps']);
  const seen = new Map<string, number>();
  d.steps.forEach((s, i) => {
    const at = (k: string): Path => ['steps', i, k];
    if (!STEP_ID.test(s.id)) add(i, 'VALIDATION_FAILED', 'step id: letters, digits, . _ - (1-100)', at('id'));
    else if (s.id.startsWith(RESERVED_STEP_PREFIX))
      add(i, 'RESERVED_STEP_ID', `step ids starting with "${RESERVED_STEP_PREFIX}" are reserved`, at('id'));
    else if (seen.has(s.id)) add(i, 'DAG_DUPLICATE_STEP', `step id "${s.id}" is used twice`, at('id'));
    else seen.set(s.id, i);
    if (!s.title.trim()) add(i, 'VALIDATION_FAILED', 'a title is required', at('title'));
    if (!s.role) add(i, 'VALIDATION_FAILED', 'choose a role', at('role'));
    // The numbers the form edits (raw mode checks every field's shape before it gets here).
    if (s.timeout_seconds !== undefined && !isInt(s.timeout_seconds, 1, 7 * 86_400))
      add(i, 'VALIDATION_FAILED', 'timeout: whole seconds from 1 to 604800', at('timeout_seconds'));
    if (s.time_to_start_seconds !== undefined && !isInt(s.time_to_start_seconds, 1, 86_400))
      add(
        i,
        'VALIDATION_FAILED',
        'time to start: whole seconds from 1 to 86400',
        at('time_to_start_seconds'),
      );
    const retries = s.retry_policy?.max_retries;
    if (retries !== undefined && !isInt(retries, 0, 10))
      add(i, 'VALIDATION_FAILED', 'max retries: a whole number from 0 to 10', ['steps', i, 'retry_policy']);
  });
  const target = d.merge?.target_branch;
  if (typeof target === 'string' && (target.length > 250 || !BRANCH_NAME.test(target)))
    add(null, 'VALIDATION_FAILED', `merge target "${target}" is not a valid branch name`, [
      'merge',
      'target_branch',
    ]);
  const ids = new Set(d.steps.map((s) => s.id));
  d.steps.forEach((s, i) => {
    s.depends_on.forEach((dep, k) => {
      const at: Path = ['steps', i, 'depends_on', k];
      if (dep === s.id) add(i, 'DAG_SELF_DEPENDENCY', 'a step cannot depend on itself', at);
      else if (!ids.has(dep)) add(i, 'DAG_UNKNOWN_DEPENDENCY', `depends on unknown step "${dep}"`, at);
    });
  });
  const cycle = findCycle(d.steps);
  if (cycle) add(null, 'DAG_CYCLE', `the steps form a cycle: ${cycle.join(' → ')}`, ['steps']);
  if (cat) {
    const plan = planSave(d, cat.roles, cat.projects);
    d.steps.forEach((s, i) => {
      if (plan.unknownRoles.includes(s.role))
        add(i, 'ROLE_NOT_FOUND', `role "${s.role}" is neither an existing role nor declared under roles`, [
          'steps',
          i,
          'role',
        ]);
    });
    if (plan.unknownProject !== null)
      add(null, 'PROJECT_NOT_FOUND', `no project is named "${plan.unknownProject}"`, ['project']);
  }
  return issues;
}

/** One cycle as a path of step ids (first id repeated at the end), or null. Iterative DFS, bounded by the steps. */
export function findCycle(steps: DraftStep[]): string[] | null {
  const deps = new Map(steps.map((s) => [s.id, s.depends_on.filter((d) => d !== s.id)]));
  const state = new Map<string, 'open' | 'done'>();
  for (const start of deps.keys()) {
    if (state.has(start)) continue;
    const stack: Array<{ id: string; next: number }> = [{ id: start, next: 0 }];
    state.set(start, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const list = deps.get(top.id) ?? [];
      if (top.next >= list.length) {
        state.set(top.id, 'done');
        stack.pop();
        continue;
      }
      const dep = list[top.next++]!;
      if (!deps.has(dep)) continue;
      if (state.get(dep) === 'open') {
        const from = stack.findIndex((f) => f.id === dep);
        return [...stack.slice(from).map((f) => f.id), dep];
      }
      if (!state.has(dep)) {
        state.set(dep, 'open');
        stack.push({ id: dep, next: 0 });
      }
    }
  }
  return null;
}
