import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../control-plane/test/helpers/procs.js';
import { CHROMIUM, noteSkipWithoutChromium, startPanelStack, type PanelStack } from './stack';

noteSkipWithoutChromium('panel diff e2e');

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
  let stack: PanelStack;
  let page: PanelStack['page'];
  let dir: string;
  let shots: string;
  let base: string;
  const api = (method: string, url: string, body?: unknown) => stack.api(method, url, body);

  beforeAll(async () => {
    // No operator token: the API is open on loopback, and the journey opens the run page itself.
    stack = await startPanelStack({
      name: 'diff',
      runnerArgs: [
        '--executor',
        'command',
        '--command-argv',
        JSON.stringify([process.execPath, '-e', AGENT]),
        '--command-prompt-via',
        'env',
      ],
      viewport: { width: 1280, height: 1000 },
      signIn: false,
    });
    ({ page, dir, shots, base } = stack);
  });

  afterAll(async () => {
    await stack?.close();
  });

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
