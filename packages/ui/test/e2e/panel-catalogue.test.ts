import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, noteSkipWithoutChromium, startPanelStack, type PanelStack } from './stack';

const TOKEN = 'panel-catalogue-operator-token-0123456789';

noteSkipWithoutChromium('panel catalogue e2e');

interface StoredRole {
  id: number;
  name: string;
  skill_packs: string[];
  execution_constraints: { retry_policy?: Record<string, unknown> } & Record<string, unknown>;
}

/**
 * The catalogue in a real browser against a real API and runner (mock executor), as in
 * panel-journeys.test.ts: a role's retry policy edited in its form, a skill pack created and attached
 * to the role, and a run's tasks listed by the tasks explorer.
 */
describe.skipIf(!CHROMIUM)('panel catalogue in chromium against a real API and runner', () => {
  let stack: PanelStack;
  let page: PanelStack['page'];
  let shots: string;
  const loads = () => stack.loads();
  const api = (method: string, url: string, body?: unknown) => stack.api(method, url, body);

  beforeAll(async () => {
    stack = await startPanelStack({ name: 'catalogue', token: TOKEN });
    ({ page, shots } = stack);
  });

  afterAll(async () => {
    await stack?.close();
  });

  it("edits a role's retry policy in its form; the stored role has the new policy", async () => {
    const role = (await api('POST', '/roles', {
      name: 'reviewer',
      system_prompt: 'Review the change.',
      allowed_tools: ['git'],
      execution_constraints: { retry_policy: { max_retries: 1, retry_on: ['network'] }, sandbox: 'required' },
    })) as StoredRole;
    const loadsBefore = loads();
    await page.getByRole('link', { name: 'Roles', exact: true }).click();
    const row = page.locator(`tr[data-role="${role.id}"]`);
    await row.getByTestId('retry').filter({ hasText: '1 retry on network' }).waitFor();
    await page.getByRole('button', { name: 'Edit role reviewer' }).click();
    const form = page.getByRole('form', { name: 'Edit role reviewer' });

    // Out of bounds: refused in the form, nothing sent.
    await form.getByLabel('Max retries').fill('12');
    await form.getByRole('button', { name: 'Save role' }).click();
    await form.getByText('must be within 0..10').waitFor();
    expect(
      ((await api('GET', `/roles/${role.id}`)) as StoredRole).execution_constraints.retry_policy,
    ).toMatchObject({ max_retries: 1 });

    await form.getByLabel('Max retries').fill('3');
    await form.getByLabel('Initial backoff (ms)').fill('250');
    await form.getByRole('group', { name: 'Retry on' }).getByLabel('timeout').check();
    await form.getByRole('button', { name: 'Save role' }).click();
    await form.getByRole('status').filter({ hasText: 'role reviewer saved' }).waitFor();
    // The list follows the stored role live (role.updated on the stream).
    await row.getByTestId('retry').filter({ hasText: '3 retries on network, timeout' }).waitFor();
    const stored = (await api('GET', `/roles/${role.id}`)) as StoredRole;
    expect(stored.execution_constraints.retry_policy).toMatchObject({
      max_retries: 3,
      retry_on: ['network', 'timeout'],
      backoff_initial_ms: 250,
    });
    // What the form does not show as its own field is kept.
    expect(stored.execution_constraints.sandbox).toBe('required');
    expect(loads()).toBe(loadsBefore);
    await page.screenshot({ path: path.join(shots, 'role-retry-edited.png'), fullPage: true });
  });

  it('creates a skill pack, attaches it to a role in its form, and the pack shows who uses it', async () => {
    const loadsBefore = loads();
    await page.getByRole('link', { name: 'Skill packs' }).click();
    const form = page.getByRole('form', { name: 'New skill pack' });
    await form.getByLabel('Pack name').fill('review-pack');
    // No skill picked: refused in the form.
    await form.getByRole('button', { name: 'Create skill pack' }).click();
    await form.getByText('pick at least one skill').waitFor();
    const skills = form.getByRole('group', { name: 'Skills' });
    await skills.getByLabel('skills/task-governance').check();
    await skills.getByLabel('skills/testing-observability').check();
    await form.getByRole('button', { name: 'Create skill pack' }).click();
    await form.getByRole('status').filter({ hasText: 'skill pack review-pack created' }).waitFor();
    const packRow = page
      .getByRole('table', { name: 'Skill packs' })
      .locator('tr', { hasText: 'review-pack' });
    await packRow.waitFor();
    expect(await packRow.textContent()).toContain('skills/testing-observability');

    await page.getByRole('link', { name: 'Roles', exact: true }).click();
    await page.getByRole('button', { name: 'Edit role reviewer' }).click();
    const roleForm = page.getByRole('form', { name: 'Edit role reviewer' });
    await roleForm.getByRole('group', { name: 'Skill packs' }).getByLabel('review-pack').check();
    await roleForm.getByRole('button', { name: 'Save role' }).click();
    await roleForm.getByRole('status').filter({ hasText: 'role reviewer saved' }).waitFor();
    const roles = (await api('GET', '/roles')) as StoredRole[];
    const reviewer = roles.find((r) => r.name === 'reviewer')!;
    expect(reviewer.skill_packs).toEqual(['review-pack']);

    await page.getByRole('link', { name: 'Skill packs' }).click();
    await packRow.locator('td:nth-child(3)', { hasText: `#${reviewer.id}` }).waitFor();
    // A pack in use cannot be deleted: the API's refusal is shown with its code.
    await page.getByRole('button', { name: 'Delete skill pack review-pack' }).click();
    await page
      .getByRole('group', { name: 'Confirm deleting skill pack review-pack' })
      .getByRole('button', { name: 'Yes, delete' })
      .click();
    await page.getByRole('alert').filter({ hasText: 'RESOURCE_IN_USE' }).waitFor();
    expect(loads()).toBe(loadsBefore);
    await page.screenshot({ path: path.join(shots, 'skill-pack-attached.png'), fullPage: true });
  });

  it("lists a run's tasks in the tasks explorer, filtered by run id, each row linking to its run", async () => {
    const role = (await api('POST', '/roles', { name: 'worker' })) as StoredRole;
    const tpl = (await api('POST', '/workflow-templates', {
      name: 'explored',
      steps: [
        { step_id: 'one', title: 'One', role_id: role.id, executor_params: { mock: { duration_ms: 100 } } },
        {
          step_id: 'two',
          title: 'Two',
          role_id: role.id,
          depends_on: ['one'],
          executor_params: { mock: { duration_ms: 100 } },
        },
      ],
    })) as { id: number };
    const run = (await api('POST', '/workflow-runs', { workflow_template_id: tpl.id })) as {
      id: number;
      task_ids: number[];
    };
    const loadsBefore = loads();
    await page.getByRole('link', { name: 'Tasks', exact: true }).click();
    await page.getByLabel('Run id').fill(String(run.id));
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(new RegExp(`#/tasks\\?run_id=${run.id}$`));
    const table = page.getByRole('table', { name: 'Tasks' });
    // Live: both tasks reach success on the explorer without a reload.
    for (const id of run.task_ids)
      await table.locator(`tr[data-task="${id}"]`, { hasText: 'success' }).waitFor({ timeout: 30_000 });
    expect(await table.locator('tr[data-task]').count()).toBe(2);
    const first = table.locator(`tr[data-task="${run.task_ids[0]}"]`);
    expect(await first.textContent()).toContain('one');
    expect(await first.locator('td:nth-child(5)').textContent()).toBe('1');
    await page.screenshot({ path: path.join(shots, 'tasks-explorer.png'), fullPage: true });
    await first.getByRole('link', { name: `Run ${run.id}` }).click();
    await page.locator('h2', { hasText: `Run ${run.id}` }).waitFor();
    expect(loads()).toBe(loadsBefore);
  });
});
