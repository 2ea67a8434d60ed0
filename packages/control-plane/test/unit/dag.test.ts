import { describe, expect, it } from 'vitest';
import { findCycle, topoOrder, validateDag, type StepLike } from '../../src/domain/dag.js';

const step = (step_id: string, depends_on: string[] = [], from?: Array<string | undefined>): StepLike => ({
  step_id,
  depends_on,
  ...(from ? { required_artifacts: from.map((f) => (f === undefined ? {} : { from_step_id: f })) } : {}),
});

describe('validateDag', () => {
  it('accepts an empty list, a single step and a diamond', () => {
    expect(validateDag([])).toBeNull();
    expect(validateDag([step('a')])).toBeNull();
    expect(
      validateDag([
        step('a'),
        step('b', ['a']),
        step('c', ['a']),
        step('d', ['b', 'c'], ['b', 'c', undefined]),
      ]),
    ).toBeNull();
  });

  it('refuses a duplicate step id at its second occurrence', () => {
    expect(validateDag([step('a'), step('b'), step('a')])).toEqual({
      code: 'DAG_DUPLICATE_STEP',
      field: 'steps[2].step_id',
      detail: "duplicate step_id 'a'",
    });
  });

  it('refuses a self dependency, naming the dependency index', () => {
    expect(validateDag([step('a'), step('b', ['a', 'b'])])).toMatchObject({
      code: 'DAG_SELF_DEPENDENCY',
      field: 'steps[1].depends_on[1]',
    });
  });

  it('refuses an unknown dependency', () => {
    const p = validateDag([step('a', []), step('b', ['a', 'zz'])]);
    expect(p).toMatchObject({ code: 'DAG_UNKNOWN_DEPENDENCY', field: 'steps[1].depends_on[1]' });
    expect(p?.detail).toContain("'zz'");
  });

  it('refuses a dependency listed twice as a validation failure', () => {
    expect(validateDag([step('a'), step('b', ['a', 'a'])])).toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'steps[1].depends_on[1]',
    });
  });

  it('refuses an artifact source that is not a dependency', () => {
    expect(validateDag([step('a'), step('b'), step('c', ['a'], ['a', 'b'])])).toMatchObject({
      code: 'DAG_ARTIFACT_SOURCE_NOT_DEPENDENCY',
      field: 'steps[2].required_artifacts[1].from_step_id',
    });
  });

  it('refuses a two-step and a long cycle with field "steps" and the cycle in the detail', () => {
    const two = validateDag([step('a', ['b']), step('b', ['a'])]);
    expect(two).toMatchObject({ code: 'DAG_CYCLE', field: 'steps' });
    expect(two?.detail).toMatch(/^cycle: /);
    const long = validateDag([
      step('x'),
      step('a', ['d', 'x']),
      step('b', ['a']),
      step('c', ['b']),
      step('d', ['c']),
    ]);
    expect(long?.code).toBe('DAG_CYCLE');
    for (const id of ['a', 'b', 'c', 'd']) expect(long?.detail).toContain(id);
    expect(long?.detail).not.toContain('x');
  });

  it('reports the first problem in order: duplicates before dependency problems before cycles', () => {
    expect(validateDag([step('a', ['a']), step('a')])?.code).toBe('DAG_DUPLICATE_STEP');
    expect(validateDag([step('a', ['b']), step('b', ['a', 'nope'])])?.code).toBe('DAG_UNKNOWN_DEPENDENCY');
  });
});

describe('findCycle', () => {
  it('returns null for acyclic graphs, including ones with edges to unknown steps', () => {
    expect(findCycle([step('a'), step('b', ['a']), step('c', ['a', 'b'])])).toBeNull();
    expect(findCycle([step('a', ['ghost'])])).toBeNull();
  });

  it('returns a closed path (first = last) of ids that really form the cycle', () => {
    const steps = [step('s'), step('a', ['s', 'c']), step('b', ['a']), step('c', ['b'])];
    const cycle = findCycle(steps)!;
    expect(cycle[0]).toBe(cycle[cycle.length - 1]);
    expect(new Set(cycle)).toEqual(new Set(['a', 'b', 'c']));
    const deps = new Map(steps.map((s) => [s.step_id, s.depends_on]));
    // Each step in the path depends on the next one.
    for (let i = 0; i + 1 < cycle.length; i++) expect(deps.get(cycle[i]!)).toContain(cycle[i + 1]);
  });

  it('finds a self loop and handles a 10,000-step chain without blowing the stack', () => {
    expect(findCycle([step('a', ['a'])])).toEqual(['a', 'a']);
    const chain = Array.from({ length: 10_000 }, (_, i) => step(`s${i}`, i ? [`s${i - 1}`] : []));
    expect(findCycle(chain)).toBeNull();
    chain[0] = step('s0', ['s9999']);
    expect(findCycle(chain)).toHaveLength(10_001);
  });
});

describe('topoOrder', () => {
  it('puts every step after its dependencies and keeps input order among independent steps', () => {
    const order = topoOrder([
      step('d', ['b', 'c']),
      step('b', ['a']),
      step('c', ['a']),
      step('a'),
      step('e'),
    ]);
    expect(order.map((s) => s.step_id)).toEqual(['a', 'e', 'b', 'c', 'd']);
  });

  it('returns the same objects and throws on a cycle', () => {
    const a = step('a');
    expect(topoOrder([a])[0]).toBe(a);
    expect(() => topoOrder([step('a', ['b']), step('b', ['a'])])).toThrow(/cycle/);
  });
});
