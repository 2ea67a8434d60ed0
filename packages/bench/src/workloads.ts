import type { BenchClient } from './http.js';

/** The mock agent's script for a step: a no-op, in the runner process or as a spawned agent. */
export const noop = (inprocess: boolean) => ({ mock: { duration_ms: 0, exit_code: 0, inprocess } });

export interface Templates {
  roleId: number;
  /** A → B, no-op in the runner process (the benchmark's default workload). */
  twoStep: number;
  /** A → B, each a spawned mock agent process. */
  twoStepSpawn: number;
  /** plan → build, test → report. */
  diamond: number;
  /** root → 100 children. */
  fanout: number;
}

type Step = { step_id: string; depends_on?: string[] };

function steps(roleId: number, list: Step[], inprocess: boolean) {
  return list.map((s) => ({
    step_id: s.step_id,
    role_id: roleId,
    title: `bench ${s.step_id}`,
    depends_on: s.depends_on ?? [],
    executor_params: noop(inprocess),
  }));
}

export const FANOUT = 100;

/** Create the role and the templates every benchmark uses. */
export async function createTemplates(api: BenchClient, fanout = FANOUT): Promise<Templates> {
  const role = await api.post<{ id: number }>('/roles', {
    name: `bench-agent-${Date.now()}`,
    system_prompt: 'no-op benchmark agent',
  });
  const make = async (name: string, list: Step[], inprocess = true) =>
    (
      await api.post<{ id: number }>('/workflow-templates', {
        name,
        steps: steps(role.id, list, inprocess),
      })
    ).id;
  const ab: Step[] = [{ step_id: 'A' }, { step_id: 'B', depends_on: ['A'] }];
  const children: Step[] = Array.from({ length: fanout }, (_, i) => ({
    step_id: `child-${i + 1}`,
    depends_on: ['root'],
  }));
  return {
    roleId: role.id,
    twoStep: await make('bench two-step', ab),
    twoStepSpawn: await make('bench two-step (spawned agents)', ab, false),
    diamond: await make('bench diamond', [
      { step_id: 'plan' },
      { step_id: 'build', depends_on: ['plan'] },
      { step_id: 'test', depends_on: ['plan'] },
      { step_id: 'report', depends_on: ['build', 'test'] },
    ]),
    fanout: await make(`bench fan-out ${fanout}`, [{ step_id: 'root' }, ...children]),
  };
}

/**
 * B4's workload: a copy of `templateId` whose root steps last `ms` in the runner process (the other
 * steps stay no-ops), so that when the API is killed there are always attempts running on the runner
 * with their successors waiting. Returns the copy's id.
 */
export async function withSlowRoots(api: BenchClient, templateId: number, ms: number): Promise<number> {
  const t = await api.get<{ name: string; steps: Array<Step & Record<string, unknown>> }>(
    `/workflow-templates/${templateId}`,
  );
  const steps = t.steps.map((s) =>
    (s.depends_on ?? []).length === 0
      ? { ...s, executor_params: { mock: { duration_ms: ms, exit_code: 0, inprocess: true } } }
      : s,
  );
  return (
    await api.post<{ id: number }>('/workflow-templates', { name: `${t.name} (roots ${ms} ms)`, steps })
  ).id;
}
