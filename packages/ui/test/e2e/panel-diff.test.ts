import { execFileSync, spawnSync } from 'node:child_process';
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
  startRunnerProc,
  waitFor,
  type Proc,
} from '../../../control-plane/test/helpers/procs.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
if (!CHROMIUM) {
  process.stderr.write('[panel diff e2e] SKIPPED: chromium is not installed (apt-get install -y chromium)\n');
}

/** A scripted agent (the `command` executor): writes `@@WRITE <path> <content>` lines of its prompt. */
const AGENT = `
const fs = require('fs'), path = require('path');
const prompt = process.env.MULTYAGENTS_PROMPT || '';
const wrote = [];
for (const m of prompt.matchAll(/^@@WRITE (\\S+) (.*)$/gm)) {
  fs.mkdirSync(path.dirname(m[1]), { recursive: true });
  fs.writeFileSync(m[1], m[2] + '\\n');
  wrote.push(m[1]);
}
fs.writeFileSync(process.env.MULTYAGENTS_RESULT_FILE, JSON.stringify({
  summary: 'wrote ' + (wrote.join(', ') || 'nothing'), next_actions: ['review the greeting'],
  open_questions: [], artifacts: [],
}));
`;

const GIT_ENV = {
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.invalid',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.invalid',
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } }).trim();

/**
 * The run page's diff viewer end to end: an isolated-worktree run whose scripted agent edits a
 * repository, then the commit's diff (`GET /tasks/{id}/diff`) in chromium, coloured.
 */
describe.skipIf(!CHROMIUM)('run page diff in chromium (isolated-worktree run, scripted agent)', () => {
  const procs: Proc[] = [];
  let dir: string;
  let shots: string;
  let base: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-ui-diff-'));
    const uiDir = path.join(dir, 'ui-dist');
    const built = spawnSync(
      path.join(ROOT, 'node_modules/.bin/vite'),
      ['build', 'packages/ui', '--logLevel', 'warn', '--outDir', uiDir],
      { cwd: ROOT, stdio: 'inherit' },
    );
    expect(built.status).toBe(0);
    shots = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-ui-diff-shots-'));
    process.stdout.write(`[panel diff e2e] screenshots in ${shots}\n`);
    const [apiPort, runnerPort] = [await freePort(), await freePort()];
    base = `http://127.0.0.1:${apiPort}`;
    procs.push(
      await startApiProc(dir, apiPort, {
        MULTYAGENTS_UI_DIR: uiDir,
        MULTYAGENTS_SCHEDULER_INTERVAL_MS: '50',
      }),
    );
    procs.push(
      await startRunnerProc(dir, base, runnerPort, path.join(dir, 'runner'), [
        '--executor',
        'command',
        '--command-argv',
        JSON.stringify([process.execPath, '-e', AGENT]),
        '--command-prompt-via',
        'env',
      ]),
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  });

  afterAll(async () => {
    await browser?.close();
    for (const p of procs.splice(0)) await p.kill('SIGKILL');
    if (dir) {
      for (const pid of pidsMatching(dir)) process.kill(pid, 'SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  async function api(method: string, url: string, body?: unknown) {
    const r = await http(method, `${base}${url}`, body);
    expect(r.status, `${method} ${url}: ${JSON.stringify(r.body)}`).toBe(200);
    return r.body;
  }

  it("shows the step's files changed and its commit's diff, added and removed lines coloured", async () => {
    const repo = path.join(dir, 'repo');
    fs.mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(repo, 'README.md'), 'hello\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'initial');
    const project = await api('POST', '/projects', { name: 'diffed', root_path: repo });
    const role = await api('POST', '/roles', { name: 'editor' });
    const tpl = await api('POST', '/workflow-templates', {
      name: 'edit-repo',
      project_id: project.id,
      execution_mode: 'isolated-worktree',
      steps: [
        {
          step_id: 'edit',
          title: 'Edit',
          role_id: role.id,
          timeout_seconds: 60,
          description:
            "@@WRITE src/greet.ts export const hi = 'hello from the agent';\n@@WRITE README.md hello, edited",
        },
      ],
    });
    const run = await api('POST', '/workflow-runs', { workflow_template_id: tpl.id });
    const [edit, merge] = run.task_ids as [number, number];
    await waitFor(
      `run ${run.id} success`,
      async () => (await api('GET', `/workflow-runs/${run.id}`)).status === 'success',
      60_000,
      100,
    );

    await page.goto(`${base}/ui/#/runs/${run.id}`);
    const detail = page.getByRole('region', { name: `Task ${edit}` });
    await detail.getByTestId('worktree-stats').filter({ hasText: '2 files, +2 −1' }).waitFor();
    await detail.getByText(`multyagents/run-${run.id}/edit`).waitFor();
    const diff = detail.getByRole('region', { name: `Diff of task ${edit}` });
    const files = diff.getByRole('table', { name: 'Files in the diff' });
    await files.waitFor();
    expect((await files.locator('tbody tr').allTextContents()).sort()).toEqual([
      'README.md+1−1',
      'src/greet.ts+1−0',
    ]);
    const patch = diff.getByLabel('Patch');
    const added = patch.locator('.diff-line.diff-add', {
      hasText: "+export const hi = 'hello from the agent';",
    });
    const removed = patch.locator('.diff-line.diff-del', { hasText: /^-hello\s*$/ });
    await added.waitFor();
    await removed.waitFor();
    expect(await patch.locator('.diff-line.diff-add', { hasText: '+hello, edited' }).count()).toBe(1);
    // Coloured in the browser, not only classed: green for added, red for removed.
    expect(await added.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(230, 248, 236)');
    expect(await removed.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(253, 236, 236)');
    expect(await diff.getByRole('alert').count()).toBe(0);
    // The handoff of the step is on the same page.
    await page.getByRole('region', { name: 'Handoffs' }).getByText('wrote src/greet.ts, README.md').waitFor();
    await page.screenshot({ path: path.join(shots, 'run-diff.png'), fullPage: true });

    // The merge task's diff is what landed on main.
    await page.getByRole('button', { name: `Task ${merge}`, exact: true }).click();
    const mergeDiff = page.getByRole('region', { name: `Diff of task ${merge}` });
    await mergeDiff
      .getByLabel('Patch')
      .locator('.diff-line.diff-add', { hasText: '+hello, edited' })
      .waitFor();
    expect(git(repo, 'show', 'main:README.md')).toBe('hello, edited');
    await page.screenshot({ path: path.join(shots, 'merge-diff.png'), fullPage: true });
  });
});
