import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  http,
  pidsMatching,
  ROOT,
  startApiProc,
  startCli,
  waitFor,
  type Proc,
} from '../../../control-plane/test/helpers/procs.js';

/** Debian's chromium (CI installs it with apt: .ci/run); no browser is downloaded. */
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const TOKEN = 'panel-conflict-operator-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };

if (!CHROMIUM) {
  process.stderr.write(
    '[panel conflict e2e] SKIPPED: chromium is not installed (apt-get install -y chromium)\n',
  );
}

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
  const procs: Proc[] = [];
  let dir: string;
  let shots: string;
  let base: string;
  let browser: Browser;
  let page: Page;
  let loads = 0;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-ui-conflict-'));
    // The panel of the current sources, built into this test's own folder (served via MULTYAGENTS_UI_DIR).
    const uiDir = path.join(dir, 'ui-dist');
    const built = spawnSync(
      path.join(ROOT, 'node_modules/.bin/vite'),
      ['build', 'packages/ui', '--logLevel', 'warn', '--outDir', uiDir],
      { cwd: ROOT, stdio: 'inherit' },
    );
    expect(built.status).toBe(0);
    shots = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-ui-conflict-shots-'));
    process.stdout.write(`[panel conflict e2e] screenshots in ${shots}\n`);
    const apiPort = await freePort();
    const runnerPort = await freePort();
    base = `http://127.0.0.1:${apiPort}`;
    procs.push(
      await startApiProc(dir, apiPort, {
        MULTYAGENTS_OPERATOR_TOKEN: TOKEN,
        MULTYAGENTS_UI_DIR: uiDir,
        MULTYAGENTS_SCHEDULER_INTERVAL_MS: '50',
      }),
    );
    const runner = startCli(
      [
        'runner',
        '--port',
        String(runnerPort),
        '--api',
        base,
        '--data-dir',
        path.join(dir, 'runner'),
        '--heartbeat-ms',
        '200',
        '--log-level',
        'warn',
      ],
      { MULTYAGENTS_RUNNER_TOKEN_FILE: path.join(dir, 'runner-token') },
    );
    procs.push(runner);
    await waitFor('runner online', async () => {
      if (runner.child.exitCode !== null) throw new Error(`runner exited: ${runner.output()}`);
      const list = (await http('GET', `${base}/runners`, undefined, AUTH)).body as Array<{
        liveness: string;
      }>;
      return Array.isArray(list) && list.some((r) => r.liveness === 'online');
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Root in a container has no user namespace for chromium's sandbox.
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('load', () => loads++);
    await page.goto(`${base}/`);
    await page.getByLabel('Token').fill(TOKEN);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.locator('[data-testid=stream]', { hasText: 'live: open' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    for (const p of procs.splice(0)) await p.kill('SIGKILL');
    if (dir) {
      for (const pid of pidsMatching(dir)) process.kill(pid, 'SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  /** The API's answer; a PUT here sends no If-Match (last writer wins, as the CLI or another tool does). */
  async function api(method: string, url: string, body?: unknown) {
    const r = await http(method, `${base}${url}`, body, AUTH);
    expect(r.status, `${method} ${url}: ${JSON.stringify(r.body)}`).toBe(200);
    return r.body;
  }

  it("a role changed through the API while its form is open: Save is refused, Overwrite stores the panel's value", async () => {
    const role = (await api('POST', '/roles', { name: 'author', system_prompt: 'First.' })) as StoredRole;
    const loadsBefore = loads;
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
    expect(loads).toBe(loadsBefore);
    await page.screenshot({ path: path.join(shots, 'role-overwritten.png'), fullPage: true });
  });

  it('a workflow changed through the API while the builder edits it: Save is refused, Reload theirs shows the stored one', async () => {
    const role = (await api('POST', '/roles', { name: 'builder-role' })) as StoredRole;
    const tpl = (await api('POST', '/workflow-templates', {
      name: 'flow',
      steps: [{ step_id: 'one', title: 'One', role_id: role.id }],
    })) as StoredTemplate;
    const loadsBefore = loads;
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
    expect(loads).toBe(loadsBefore);
  });
});
