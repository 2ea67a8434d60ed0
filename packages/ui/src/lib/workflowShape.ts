/**
 * The shape of a workflow file document (after JSON or YAML parsing), checked the way `multyagents run`
 * checks it: unknown fields are refused (a typo such as `dependson` is an error, not ignored), and every
 * field has its type and range. The panel bundles no zod, so these are written out; test/unit parses
 * the builder's output with the CLI's own schema. The DAG rules are `validateDraft`'s.
 */
import {
  EXECUTION_MODES,
  QUALITY_GATE_CHECKS,
  RETRY_ON_CATEGORIES,
  type DeclaredRole,
  type FileStep,
  type WorkflowFileDoc,
} from './workflowFile';

export type Path = Array<string | number>;
export interface ShapeIssue {
  path: Path;
  message: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const CONTROL = /[\u0000-\u001f\u007f]/;

const ROLE_KEYS = [
  'name',
  'context7_enabled',
  'system_prompt',
  'allowed_tools',
  'skill_packs',
  'execution_constraints',
];
const MERGE_KEYS = ['enabled', 'strategy', 'requires_approval', 'target_branch'];
const RETRY_KEYS = [
  'max_retries',
  'retry_on',
  'backoff_initial_ms',
  'backoff_max_ms',
  'backoff_multiplier',
  'jitter',
];
const GATE_KEYS = ['check', 'required', 'severity', 'config', 'description'];
const ARTIFACT_KEYS = ['from_step_id', 'artifact_type', 'label'];
const STEP_KEYS = [
  'id',
  'role',
  'title',
  'description',
  'depends_on',
  'required_artifacts',
  'quality_gate_policy',
  'retry_policy',
  'requires_approval',
  'timeout_seconds',
  'time_to_start_seconds',
  'executor_params',
];
const FILE_KEYS = ['name', 'description', 'project', 'execution_mode', 'merge', 'roles', 'steps'];

class Checker {
  readonly issues: ShapeIssue[] = [];
  fail(path: Path, message: string): void {
    this.issues.push({ path, message });
  }
  object(v: unknown, path: Path, keys: readonly string[]): v is Obj {
    if (!isObj(v)) {
      this.fail(path, 'expected an object');
      return false;
    }
    for (const k of Object.keys(v)) if (!keys.includes(k)) this.fail([...path, k], `unknown field "${k}"`);
    return true;
  }
  name(v: unknown, path: Path, what: string, max = 200): void {
    if (typeof v !== 'string' || !v.trim()) this.fail(path, `${what} is required (a non-empty string)`);
    else if (v.length > max) this.fail(path, `${what}: at most ${max} characters`);
    else if (CONTROL.test(v)) this.fail(path, `${what} may not contain control characters`);
  }
  optString(v: unknown, path: Path): void {
    if (v !== undefined && typeof v !== 'string') this.fail(path, 'expected a string');
  }
  optBool(v: unknown, path: Path): void {
    if (v !== undefined && typeof v !== 'boolean') this.fail(path, 'expected true or false');
  }
  optInt(v: unknown, path: Path, min: number, max: number): void {
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      this.fail(path, `expected a whole number from ${min} to ${max}`);
  }
  optNumber(v: unknown, path: Path, min: number, max: number): void {
    if (v !== undefined && (typeof v !== 'number' || !(v >= min && v <= max)))
      this.fail(path, `expected a number from ${min} to ${max}`);
  }
  optOneOf(v: unknown, path: Path, values: readonly string[]): void {
    if (v !== undefined && !values.includes(v as string))
      this.fail(path, `expected one of ${values.join(', ')}`);
  }
  optArray(v: unknown, path: Path, each: (x: unknown, p: Path) => void): void {
    if (v === undefined) return;
    if (!Array.isArray(v)) this.fail(path, 'expected a list');
    else v.forEach((x, i) => each(x, [...path, i]));
  }
}

function checkStep(c: Checker, s: unknown, p: Path): void {
  if (!c.object(s, p, STEP_KEYS)) return;
  if (typeof s.id !== 'string') c.fail([...p, 'id'], 'a step id is required (a string)');
  c.name(s.role, [...p, 'role'], 'role');
  if (typeof s.title !== 'string') c.fail([...p, 'title'], 'a title is required (a string)');
  c.optString(s.description, [...p, 'description']);
  c.optArray(s.depends_on, [...p, 'depends_on'], (x, q) => {
    if (typeof x !== 'string') c.fail(q, 'expected a step id');
  });
  c.optBool(s.requires_approval, [...p, 'requires_approval']);
  c.optInt(s.timeout_seconds, [...p, 'timeout_seconds'], 1, 7 * 86_400);
  c.optInt(s.time_to_start_seconds, [...p, 'time_to_start_seconds'], 1, 86_400);
  if (s.retry_policy !== undefined && c.object(s.retry_policy, [...p, 'retry_policy'], RETRY_KEYS)) {
    const r = s.retry_policy;
    const q = [...p, 'retry_policy'];
    c.optInt(r.max_retries, [...q, 'max_retries'], 0, 10);
    c.optArray(r.retry_on, [...q, 'retry_on'], (x, qq) => c.optOneOf(x, qq, RETRY_ON_CATEGORIES));
    c.optInt(r.backoff_initial_ms, [...q, 'backoff_initial_ms'], 0, 3_600_000);
    c.optInt(r.backoff_max_ms, [...q, 'backoff_max_ms'], 0, 86_400_000);
    c.optNumber(r.backoff_multiplier, [...q, 'backoff_multiplier'], 1, 10);
    c.optNumber(r.jitter, [...q, 'jitter'], 0, 1);
  }
  const g = s.quality_gate_policy;
  // The API drops unknown keys of a quality gate policy (as the first version did): only its list is read.
  if (g !== undefined && !isObj(g)) c.fail([...p, 'quality_gate_policy'], 'expected an object');
  if (isObj(g))
    c.optArray(g.required_checks, [...p, 'quality_gate_policy', 'required_checks'], (x, q) => {
      if (!c.object(x, q, GATE_KEYS)) return;
      c.optOneOf(x.check, [...q, 'check'], QUALITY_GATE_CHECKS);
      c.optBool(x.required, [...q, 'required']);
      c.optOneOf(x.severity, [...q, 'severity'], ['blocker', 'warn']);
      if (x.config !== undefined && !isObj(x.config)) c.fail([...q, 'config'], 'expected an object');
    });
  c.optArray(s.required_artifacts, [...p, 'required_artifacts'], (x, q) => {
    if (!c.object(x, q, ARTIFACT_KEYS)) return;
    c.optString(x.from_step_id, [...q, 'from_step_id']);
    c.optString(x.artifact_type, [...q, 'artifact_type']);
    c.optString(x.label, [...q, 'label']);
  });
  if (s.executor_params !== undefined && !isObj(s.executor_params))
    c.fail([...p, 'executor_params'], 'expected an object');
}

/** The document as a workflow file, or every shape problem with the path it is at. */
export function checkFileShape(v: unknown): { doc: WorkflowFileDoc } | { issues: ShapeIssue[] } {
  const c = new Checker();
  if (!c.object(v, [], FILE_KEYS)) return { issues: c.issues };
  c.name(v.name, ['name'], 'the workflow name');
  c.optString(v.description, ['description']);
  if (v.project !== undefined) c.name(v.project, ['project'], 'project');
  c.optOneOf(v.execution_mode, ['execution_mode'], EXECUTION_MODES);
  if (v.merge !== undefined && c.object(v.merge, ['merge'], MERGE_KEYS)) {
    c.optBool(v.merge.enabled, ['merge', 'enabled']);
    c.optOneOf(v.merge.strategy, ['merge', 'strategy'], ['fast-forward', 'merge-commit']);
    c.optBool(v.merge.requires_approval, ['merge', 'requires_approval']);
    if (v.merge.target_branch !== null) c.optString(v.merge.target_branch, ['merge', 'target_branch']);
  }
  const seen = new Set<string>();
  c.optArray(v.roles, ['roles'], (r, p) => {
    if (!c.object(r, p, ROLE_KEYS)) return;
    c.name(r.name, [...p, 'name'], 'a role name');
    if (typeof r.name === 'string' && seen.has(r.name))
      c.fail([...p, 'name'], `role "${r.name}" is declared twice`);
    if (typeof r.name === 'string') seen.add(r.name);
  });
  if (!Array.isArray(v.steps)) c.fail(['steps'], 'steps: a list of steps is required');
  else v.steps.forEach((s, i) => checkStep(c, s, ['steps', i]));
  if (c.issues.length > 0) return { issues: c.issues };
  const steps = (v.steps as Obj[]).map(
    (s) => ({ ...s, depends_on: (s.depends_on as string[] | undefined) ?? [] }) as FileStep,
  );
  return {
    doc: {
      ...(v as unknown as WorkflowFileDoc),
      roles: (v.roles as DeclaredRole[] | undefined) ?? [],
      steps,
    },
  };
}

/** `steps[1].depends_on[0]`, as the CLI names a field. */
export function pathText(p: Path): string {
  return p.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${k}` : k), '');
}
