import { call, credentialOf, RUNNER_TOKEN, type TestApi } from './context.js';

/** The shared runner token alone: registration's bootstrap, and v1's status callback. */
export const H = { 'x-runner-token': RUNNER_TOKEN };

/** Speak as runner `id`: its own credential (issued when it registered through `call`) and the token. */
export function runnerHeaders(t: TestApi, id: number): Record<string, string> {
  const c = credentialOf(t.app, id);
  if (!c) throw new Error(`no credential known for runner ${id}`);
  return { ...H, 'x-runner-credential': c };
}

/** A role, a two-step template (plan → build) and a registered runner. */
export async function seedTwoStep(
  t: TestApi,
  opts: { retry?: Record<string, unknown>; approval?: boolean; steps?: unknown[] } = {},
) {
  const role = await call(t.app, 'POST', '/roles', {
    name: 'coder',
    system_prompt: 'You write careful code.',
    execution_constraints: opts.retry ? { retry_policy: opts.retry } : {},
  });
  if (role.status !== 200) throw new Error(`role: ${JSON.stringify(role.body)}`);
  const steps = opts.steps ?? [
    { step_id: 'plan', role_id: role.body.id, title: 'Plan the change', requires_approval: opts.approval },
    { step_id: 'build', role_id: role.body.id, title: 'Build it', depends_on: ['plan'] },
  ];
  const tpl = await call(t.app, 'POST', '/workflow-templates', { name: 'two-step', steps });
  if (tpl.status !== 200) throw new Error(`template: ${JSON.stringify(tpl.body)}`);
  return { roleId: role.body.id as number, templateId: tpl.body.id as number };
}

export async function registerRunner(t: TestApi, name = 'r1', capacity = 4) {
  const r = await call(
    t.app,
    'POST',
    '/runners/register',
    { name, url: `http://127.0.0.1:9/${name}`, capacity },
    H,
  );
  if (r.status !== 200) throw new Error(`register: ${JSON.stringify(r.body)}`);
  return r.body.id as number;
}

export async function startRun(t: TestApi, templateId: number, overrides: Record<string, unknown> = {}) {
  const run = await call(t.app, 'POST', '/workflow-runs', {
    workflow_template_id: templateId,
    step_task_overrides: overrides,
  });
  if (run.status !== 200) throw new Error(`run: ${JSON.stringify(run.body)}`);
  return run.body as { id: number; task_ids: number[]; status: string };
}

export function report(t: TestApi, taskId: number, body: Record<string, unknown>) {
  return call(t.app, 'POST', `/runner/tasks/${taskId}/status`, body, H);
}
