import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, noteSkipWithoutChromium, startPanelStack, type PanelStack } from './stack';

const TOKEN = 'panel-conflict-operator-token-0123456789';

noteSkipWithoutChromium('panel conflict e2e');

interface StoredRole {
  id: number;
  name: string;
  system_prompt: string;
}

interface StoredTemplate {
  id: number;
  name: string;
  steps: Array<{ step_id: string; title: string; role_id: number }>;
}

/**
 * Edit conflicts in a real browser against a real API and runner (the harness of
 * panel-catalogue.test.ts): an item changed through the API while the panel edits it. The panel's save
 * names the version it opened (If-Match), the API refuses it (412 EDIT_CONFLICT) and keeps the other
 * change; the conflict box then saves the panel's version over it (Overwrite) or shows the stored one
 * (Reload theirs).
 */
describe.skipIf(!CHROMIUM)('panel edit conflicts in chromium against a real API and runner', () => {
  let stack: PanelStack;
  let page: PanelStack['page'];
  let shots: string;
  const loads = () => stack.loads();
  const api = (method: string, url: string, body?: unknown) => stack.api(method, url, body);

  beforeAll(async () => {
    stack = await startPanelStack({ name: 'conflict', token: TOKEN });
    ({ page, shots } = stack);
  });

  afterAll(async () => {
    await stack?.close();
  });

  it("a role changed through the API while its form is open: Save is refused, Overwrite stores the panel's value", async () => {
    const role = (await api('POST', '/roles', { name: 'author', system_prompt: 'First.' })) as StoredRole;
    const loadsBefore = loads();
    await page.getByRole('link', { name: 'Roles', exact: true }).click();
    await page.getByRole('button', { name: 'Edit role author' }).click();
    const form = page.getByRole('form', { name: 'Edit role author' });
    const save = form.getByRole('button', { name: 'Save role' });
    // Save is enabled once the form has read the role's version (its ETag).
    await expect.poll(() => save.isEnabled()).toBe(true);

    await api('PUT', `/roles/${role.id}`, {
      name: 'author',
      context7_enabled: false,
      system_prompt: 'From the API.',
    });
    await form.getByLabel('System prompt').fill('From the panel.');
    await save.click();
    const conflict = form
      .getByRole('alert')
      .filter({ hasText: 'changed by someone else since you opened it' });
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain('EDIT_CONFLICT');
    // Nothing of the panel's was stored; what was typed is still in the form.
    expect(((await api('GET', `/roles/${role.id}`)) as StoredRole).system_prompt).toBe('From the API.');
    expect(await form.getByLabel('System prompt').inputValue()).toBe('From the panel.');
    await page.screenshot({ path: path.join(shots, 'role-conflict.png'), fullPage: true });

    await form.getByRole('button', { name: 'Overwrite' }).click();
    await form.getByRole('status').filter({ hasText: 'role author saved' }).waitFor();
    expect(await conflict.count()).toBe(0);
    expect(((await api('GET', `/roles/${role.id}`)) as StoredRole).system_prompt).toBe('From the panel.');
    expect(loads()).toBe(loadsBefore);
    await page.screenshot({ path: path.join(shots, 'role-overwritten.png'), fullPage: true });
  });

  it('a workflow changed through the API while the builder edits it: Save is refused, Reload theirs shows the stored one', async () => {
    const role = (await api('POST', '/roles', { name: 'builder-role' })) as StoredRole;
    const tpl = (await api('POST', '/workflow-templates', {
      name: 'flow',
      steps: [{ step_id: 'one', title: 'One', role_id: role.id }],
    })) as StoredTemplate;
    const loadsBefore = loads();
    await page.getByRole('link', { name: 'Workflows' }).click();
    await page.getByRole('link', { name: 'Edit flow' }).click();
    await page.getByRole('heading', { name: `Edit workflow #${tpl.id}` }).waitFor();
    const name = page.getByRole('textbox', { name: 'Workflow name' });
    await expect.poll(() => name.inputValue()).toBe('flow');
    const save = page.getByRole('button', { name: 'Save workflow' });
    await expect.poll(() => save.isEnabled()).toBe(true);

    await api('PUT', `/workflow-templates/${tpl.id}`, {
      name: 'flow-from-api',
      steps: [{ step_id: 'one', title: 'One, from the API', role_id: role.id }],
    });
    await name.fill('flow-from-panel');
    await save.click();
    const conflict = page
      .getByRole('alert')
      .filter({ hasText: 'changed by someone else since you opened it' });
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain('EDIT_CONFLICT');
    expect(((await api('GET', `/workflow-templates/${tpl.id}`)) as StoredTemplate).name).toBe(
      'flow-from-api',
    );
    expect(await name.inputValue()).toBe('flow-from-panel');
    await page.screenshot({ path: path.join(shots, 'builder-conflict.png'), fullPage: true });

    await page.getByRole('button', { name: 'Reload theirs' }).click();
    await expect.poll(() => name.inputValue()).toBe('flow-from-api');
    expect(await conflict.count()).toBe(0);
    expect(
      await page
        .getByRole('group', { name: 'Step 1', exact: true })
        .getByLabel('Title', { exact: true })
        .inputValue(),
    ).toBe('One, from the API');
    await page.screenshot({ path: path.join(shots, 'builder-reloaded.png'), fullPage: true });
    // The reloaded draft saves against the stored version: no conflict this time.
    await save.click();
    await page
      .getByRole('status')
      .filter({ hasText: `Workflow #${tpl.id} saved.` })
      .waitFor();
    const stored = (await api('GET', `/workflow-templates/${tpl.id}`)) as StoredTemplate;
    expect([stored.name, stored.steps[0]!.title]).toEqual(['flow-from-api', 'One, from the API']);
    expect(loads()).toBe(loadsBefore);
  });
});
