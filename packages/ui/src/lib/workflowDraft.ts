/**
 * The workflow builder's draft and its inline validation, the same rules the API applies to a template
 * (DAG_* codes): ids present and unique, dependencies known and not on the step itself, no cycle.
 * Pure: the form and the raw JSON mode both go through these.
 */

export interface DraftStep {
  step_id: string;
  title: string;
  role_id: number | null;
  depends_on: string[];
  requires_approval: boolean;
}

export interface Draft {
  name: string;
  steps: DraftStep[];
}

export interface Issue {
  /** Index of the step the issue is about; null for the whole workflow. */
  step: number | null;
  code: string;
  message: string;
}

const STEP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function validateDraft(d: Draft): Issue[] {
  const issues: Issue[] = [];
  if (!d.name.trim())
    issues.push({ step: null, code: 'VALIDATION_FAILED', message: 'the workflow needs a name' });
  if (d.steps.length === 0)
    issues.push({ step: null, code: 'VALIDATION_FAILED', message: 'add at least one step' });
  const seen = new Map<string, number>();
  d.steps.forEach((s, i) => {
    if (!STEP_ID.test(s.step_id))
      issues.push({ step: i, code: 'VALIDATION_FAILED', message: 'step id: letters, digits, . _ - (1-100)' });
    else if (seen.has(s.step_id))
      issues.push({ step: i, code: 'DAG_DUPLICATE_STEP', message: `step id "${s.step_id}" is used twice` });
    else seen.set(s.step_id, i);
    if (!s.title.trim()) issues.push({ step: i, code: 'VALIDATION_FAILED', message: 'a title is required' });
    if (s.role_id === null) issues.push({ step: i, code: 'VALIDATION_FAILED', message: 'choose a role' });
  });
  const ids = new Set(d.steps.map((s) => s.step_id));
  d.steps.forEach((s, i) => {
    for (const dep of s.depends_on) {
      if (dep === s.step_id)
        issues.push({ step: i, code: 'DAG_SELF_DEPENDENCY', message: 'a step cannot depend on itself' });
      else if (!ids.has(dep))
        issues.push({ step: i, code: 'DAG_UNKNOWN_DEPENDENCY', message: `depends on unknown step "${dep}"` });
    }
  });
  const cycle = findCycle(d.steps);
  if (cycle)
    issues.push({ step: null, code: 'DAG_CYCLE', message: `the steps form a cycle: ${cycle.join(' → ')}` });
  return issues;
}

/** One cycle as a path of step ids (first id repeated at the end), or null. Iterative DFS, bounded by the steps. */
export function findCycle(steps: DraftStep[]): string[] | null {
  const deps = new Map(steps.map((s) => [s.step_id, s.depends_on.filter((d) => d !== s.step_id)]));
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

/** The API's `POST /workflow-templates` body. */
export function toTemplateBody(d: Draft) {
  return {
    name: d.name.trim(),
    steps: d.steps.map((s) => ({
      step_id: s.step_id,
      title: s.title,
      role_id: s.role_id,
      depends_on: s.depends_on,
      ...(s.requires_approval ? { requires_approval: true } : {}),
    })),
  };
}

/** Raw JSON mode back to the form; an error message when the text is not such a body. */
export function fromTemplateJson(text: string): Draft | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return `not JSON: ${err instanceof Error ? err.message : String(err)}`;
  }
  const o = v as { name?: unknown; steps?: unknown };
  if (typeof o !== 'object' || o === null || !Array.isArray(o.steps))
    return 'expected {"name": …, "steps": [ … ]}';
  const steps: DraftStep[] = [];
  for (const [i, raw] of (o.steps as unknown[]).entries()) {
    const s = raw as Record<string, unknown>;
    if (typeof s !== 'object' || s === null) return `steps[${i}] is not an object`;
    steps.push({
      step_id: typeof s.step_id === 'string' ? s.step_id : '',
      title: typeof s.title === 'string' ? s.title : '',
      role_id: typeof s.role_id === 'number' ? s.role_id : null,
      depends_on: Array.isArray(s.depends_on) ? s.depends_on.map(String) : [],
      requires_approval: s.requires_approval === true,
    });
  }
  return { name: typeof o.name === 'string' ? o.name : '', steps };
}
