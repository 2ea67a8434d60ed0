/**
 * DAG logic for workflow templates and runs (pure). Validation refuses with the first problem found,
 * naming the field; `topoOrder` serves the run creator (readiness is domain/readiness.ts).
 */
import type { ErrorCode } from '@multyagents/contracts';

export interface StepLike {
  step_id: string;
  depends_on: readonly string[];
  required_artifacts?: ReadonlyArray<{ from_step_id?: string | undefined }>;
}

export interface DagProblem {
  code: ErrorCode;
  field: string;
  detail: string;
}

export function validateDag(steps: readonly StepLike[]): DagProblem | null {
  const index = new Map<string, number>();
  for (const [i, s] of steps.entries()) {
    if (index.has(s.step_id)) {
      return {
        code: 'DAG_DUPLICATE_STEP',
        field: `steps[${i}].step_id`,
        detail: `duplicate step_id '${s.step_id}'`,
      };
    }
    index.set(s.step_id, i);
  }
  for (const [i, s] of steps.entries()) {
    const seen = new Set<string>();
    for (const [j, d] of s.depends_on.entries()) {
      if (d === s.step_id) {
        return {
          code: 'DAG_SELF_DEPENDENCY',
          field: `steps[${i}].depends_on[${j}]`,
          detail: `step '${d}' depends on itself`,
        };
      }
      if (!index.has(d)) {
        return {
          code: 'DAG_UNKNOWN_DEPENDENCY',
          field: `steps[${i}].depends_on[${j}]`,
          detail: `step '${s.step_id}' depends on unknown step '${d}'`,
        };
      }
      if (seen.has(d)) {
        return {
          code: 'VALIDATION_FAILED',
          field: `steps[${i}].depends_on[${j}]`,
          detail: `dependency '${d}' listed twice`,
        };
      }
      seen.add(d);
    }
    for (const [j, a] of (s.required_artifacts ?? []).entries()) {
      if (a.from_step_id !== undefined && !s.depends_on.includes(a.from_step_id)) {
        return {
          code: 'DAG_ARTIFACT_SOURCE_NOT_DEPENDENCY',
          field: `steps[${i}].required_artifacts[${j}].from_step_id`,
          detail: `from_step_id '${a.from_step_id}' is not in depends_on of '${s.step_id}'`,
        };
      }
    }
  }
  const cycle = findCycle(steps);
  if (cycle) {
    return { code: 'DAG_CYCLE', field: 'steps', detail: `cycle: ${cycle.join(' -> ')}` };
  }
  return null;
}

/** A cycle as a list of step ids (first = last), or null. Iterative DFS: deep DAGs do not blow the stack. */
export function findCycle(steps: readonly StepLike[]): string[] | null {
  const deps = new Map(steps.map((s) => [s.step_id, s.depends_on] as const));
  const color = new Map<string, 0 | 1 | 2>();
  const parent = new Map<string, string>();
  for (const root of deps.keys()) {
    if (color.get(root)) continue;
    const stack: Array<{ id: string; i: number }> = [{ id: root, i: 0 }];
    color.set(root, 1);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const list = deps.get(top.id) ?? [];
      if (top.i >= list.length) {
        color.set(top.id, 2);
        stack.pop();
        continue;
      }
      const next = list[top.i++]!;
      if (!deps.has(next)) continue;
      const c = color.get(next) ?? 0;
      if (c === 1) {
        const path = [next];
        let cur = top.id;
        while (cur !== next) {
          path.push(cur);
          cur = parent.get(cur)!;
        }
        path.push(next);
        return path.reverse();
      }
      if (c === 0) {
        color.set(next, 1);
        parent.set(next, top.id);
        stack.push({ id: next, i: 0 });
      }
    }
  }
  return null;
}

/** Steps in an order where every step comes after its dependencies (stable w.r.t. input order). */
export function topoOrder<T extends StepLike>(steps: readonly T[]): T[] {
  const done = new Set<string>();
  const out: T[] = [];
  const pending = [...steps];
  while (pending.length) {
    const before = pending.length;
    for (let i = 0; i < pending.length;) {
      const s = pending[i]!;
      if (s.depends_on.every((d) => done.has(d))) {
        out.push(s);
        done.add(s.step_id);
        pending.splice(i, 1);
      } else i++;
    }
    if (pending.length === before) throw new Error('topoOrder: cycle');
  }
  return out;
}
