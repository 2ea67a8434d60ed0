import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The CLI's reader of workflow files: the downloaded file must be one `multyagents run` accepts.
import { parseWorkflowText } from '../../../control-plane/src/cli/workflowFile.js';
import { CHROMIUM, noteSkipWithoutChromium, startPanelStack, type PanelStack } from './stack';

const TOKEN = 'panel-builder-e2e-token-0123456789';

noteSkipWithoutChromium('panel builder e2e');

/**
 * The builder on an existing workflow, in a real browser against a real API and runner (mock executor):
 * edit it in YAML (a step added with a role declared in the file), save (PUT), run it and see the new
 * step succeed live; download the file and read it with the CLI's own parser; a refused delete.
 */
describe.skipIf(!CHROMIUM)('workflow builder in chromium: edit an existing workflow', () => {
  let stack: PanelStack;
  let page: PanelStack['page'];
  let base: string;
  let shots: string;
  const api = (method: string, url: string, body?: unknown) => stack.api(method, url, body);

  beforeAll(async () => {
    stack = await startPanelStack({
      name: 'builder',
      token: TOKEN,
      signIn: false,
      viewport: { width: 1280, height: 1000 },
      acceptDownloads: true,
    });
    ({ page, base, shots } = stack);
  });

  afterAll(async () => {
    await stack?.close();
    if (shots) process.stdout.write(`[panel builder e2e] screenshots kept in ${shots}\n`);
  });

  it('adds a step in YAML mode, saves, runs the edited workflow to success live, downloads the file', async () => {
    const role = await api('POST', '/roles', { name: 'writer' });
    const tpl = await api('POST', '/workflow-templates', {
      name: 'to-edit',
      steps: [
        {
          step_id: 'draft',
          title: 'Draft',
          role_id: role.id,
          executor_params: { mock: { duration_ms: 200 } },
        },
        {
          step_id: 'polish',
          title: 'Polish',
          role_id: role.id,
          depends_on: ['draft'],
          executor_params: { mock: { duration_ms: 200 } },
        },
      ],
    });

    await page.goto(`${base}/ui/#/workflows`);
    await page.getByLabel('Token').fill(TOKEN);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByRole('link', { name: 'Edit to-edit' }).click();
    await page.getByRole('heading', { name: `Edit workflow #${tpl.id}` }).waitFor();
    // Form fields first: the second step's timeout and description, the merge policy's target branch.
    const step2 = page.getByRole('group', { name: 'Step 2', exact: true });
    await step2.getByLabel('Timeout (seconds)').fill('300');
    await step2.getByLabel('Description').fill('Tighten every sentence.');
    await page
      .getByRole('group', { name: 'Merge policy' })
      .getByLabel('Target branch', { exact: true })
      .fill('release/1.x');

    await page.getByRole('button', { name: 'YAML', exact: true }).click();
    const raw = page.getByLabel(/Workflow file \(YAML/);
    const text = await raw.inputValue();
    expect(text).toContain('timeout_seconds: 300');
    expect(text).toContain('description: Tighten every sentence.');
    expect(text).toContain('target_branch: release/1.x');
    expect(text).toContain('duration_ms: 200');
    // A typo shows its line; then the real edit: a role declared in the file and a third step using it.
    await raw.fill(text.replace('title: Polish', 'titel: Polish'));
    await page
      .getByRole('alert', { name: 'Problems in the file' })
      .filter({ hasText: /line \d+: VALIDATION_FAILED steps\[1\]\.titel: unknown field/ })
      .waitFor();
    const edited =
      text.replace('steps:', 'roles:\n  - name: shipper\n    system_prompt: Ship it.\nsteps:') +
      [
        '  - id: ship',
        '    title: Ship',
        '    role: shipper',
        '    depends_on: [polish]',
        '    executor_params:',
        '      mock: { duration_ms: 300, lines: [shipped from yaml] }',
        '',
      ].join('\n');
    await raw.fill(edited);
    await page.getByTestId('will-create').filter({ hasText: '"shipper"' }).waitFor();
    expect(await page.getByRole('alert', { name: 'Problems in the file' }).count()).toBe(0);
    await page.screenshot({ path: path.join(shots, 'builder-yaml-edit.png'), fullPage: true });

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download YAML' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('to-edit.yaml');
    const file = fs.readFileSync(await download.path(), 'utf8');
    expect(parseWorkflowText(file, 'yaml', 'to-edit.yaml').steps.map((s) => [s.id, s.role])).toEqual([
      ['draft', 'writer'],
      ['polish', 'writer'],
      ['ship', 'shipper'],
    ]);

    await page.getByRole('button', { name: 'Form', exact: true }).click();
    await page.getByRole('group', { name: 'Step 3', exact: true }).waitFor();
    await page.screenshot({ path: path.join(shots, 'builder-form-after-yaml.png'), fullPage: true });
    await page.getByRole('button', { name: 'Save workflow' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Workflow #${tpl.id} saved.` })
      .waitFor();
    const card = page.getByRole('region', { name: 'Workflow to-edit' });
    await card.getByRole('img', { name: 'ship: shipper' }).waitFor();
    const stored = await api('GET', `/workflow-templates/${tpl.id}`);
    expect(stored.steps.map((s: { step_id: string }) => s.step_id)).toEqual(['draft', 'polish', 'ship']);
    expect(stored.steps[1].timeout_seconds).toBe(300);
    expect(stored.steps[1].description).toBe('Tighten every sentence.');
    expect(stored.merge.target_branch).toBe('release/1.x');
    expect(((await api('GET', '/roles')) as Array<{ name: string }>).map((r) => r.name)).toEqual([
      'writer',
      'shipper',
    ]);

    await card.getByRole('button', { name: 'Start a run of to-edit' }).click();
    await page.locator('h2', { hasText: /^Run \d+/ }).waitFor();
    const runId = Number(/#\/runs\/(\d+)/.exec(page.url())![1]);
    const status = page.locator('h2', { hasText: `Run ${runId}` }).locator('.status');
    await status.filter({ hasText: 'success' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: /ship \(task \d+\): success/ }).click();
    await page.locator('[data-testid=log-tail]', { hasText: 'shipped from yaml' }).waitFor();
    await page.screenshot({ path: path.join(shots, 'edited-workflow-run-success.png'), fullPage: true });

    // The template now has a run: the API refuses to delete it, and the panel says why.
    await page.getByRole('link', { name: 'Workflows' }).click();
    await page.getByRole('button', { name: 'Delete to-edit' }).click();
    await page.getByRole('button', { name: 'Confirm delete' }).click();
    await card.getByRole('alert').filter({ hasText: 'RESOURCE_IN_USE' }).waitFor();
    await page.screenshot({ path: path.join(shots, 'delete-refused.png'), fullPage: true });
  });
});
