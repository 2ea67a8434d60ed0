/**
 * Roles and skill packs as the first version had them, seen from the product side: the agent's prompt
 * carries the role's packs with each skill's catalogue instructions, and the CLI's `run` picks the
 * lowest id when several roles share a name (names are not unique).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonClient } from '../../src/cli/http.js';
import { applyWorkflow } from '../../src/cli/runApi.js';
import { WorkflowFile } from '../../src/cli/workflowFile.js';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';
import { registerRunner } from '../helpers/fixtures.js';

describe('v1 roles and skill packs in use', () => {
  let t: TestApi;
  afterEach(() => t.close());

  it("the prompt lists the role's packs, in the role's order, with each skill's instructions", async () => {
    t = await makeTestApi();
    await call(t.app, 'POST', '/skill-packs', { name: 'govern', skills: ['skills/task-governance'] });
    await call(t.app, 'POST', '/skill-packs', { name: 'tests', skills: ['skills/testing-observability'] });
    const role = await call(t.app, 'POST', '/roles', { name: 'coder', skill_packs: ['tests', 'govern'] });
    expect(role.body.skill_packs).toEqual(['tests', 'govern']);
    const task = await call(t.app, 'POST', '/tasks', { role_id: role.body.id, title: 'Fix the bug' });
    await registerRunner(t);
    expect((await call(t.app, 'POST', `/tasks/${task.body.id}/dispatch`)).status).toBe(200);
    const prompt = t.runner.submits.at(-1)!.body.prompt as string;
    const skills = prompt.slice(prompt.indexOf('# Skills'));
    expect(skills).toMatch(
      /## tests\n- skills\/testing-observability: Write tests that can fail[^\n]*\n## govern\n- skills\/task-governance: Work to the acceptance criteria/,
    );
    const catalogue = await call(t.app, 'GET', '/skills');
    expect(catalogue.body).toContainEqual(
      expect.objectContaining({ id: 'skills/task-governance', instructions: expect.any(String) }),
    );
  });

  it('`run` with a file reuses the lowest-id role of a shared name', async () => {
    t = await makeTestApi();
    for (const prompt of ['first', 'second'])
      await call(t.app, 'POST', '/roles', { name: 'planner', system_prompt: prompt });
    const api = {
      get: async (p: string) => (await call(t.app, 'GET', p)).body,
      post: async (p: string, b: unknown) => (await call(t.app, 'POST', p, b)).body,
    } as unknown as JsonClient;
    const wf = WorkflowFile.parse({
      name: 'flow',
      roles: [{ name: 'planner', system_prompt: 'third' }],
      steps: [{ id: 'plan', role: 'planner', title: 'Plan' }],
    });
    const applied = await applyWorkflow(api, wf);
    expect(applied.roles).toEqual([{ name: 'planner', id: 1, created: false }]);
    const tpl = (await call(t.app, 'GET', `/workflow-templates/${applied.template_id}`)).body;
    expect(tpl.steps[0].role_id).toBe(1);
    expect((await call(t.app, 'GET', '/roles')).body).toHaveLength(2);
  });
});
