import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, waitFor } from '../../../control-plane/test/helpers/procs.js';
import { CHROMIUM, noteSkipWithoutChromium, startPanelStack, type PanelStack } from './stack';

const TOKEN = 'panel-e2e-operator-token-0123456789';

noteSkipWithoutChromium('panel e2e');

/**
 * The operator's journeys in a real browser, against a real API and runner (mock executor) started
 * here: the panel follows runs live from the event stream, and the approvals inbox unblocks a run.
 */
describe.skipIf(!CHROMIUM)('web panel in chromium against a real API and runner', () => {
  let stack: PanelStack;
  let page: PanelStack['page'];
  let shots: string;
  let base: string;
  let auth: Record<string, string>;
  const loads = () => stack.loads();
  const api = (method: string, url: string, body?: unknown) => stack.api(method, url, body);

  beforeAll(async () => {
    stack = await startPanelStack({
      name: 'journeys',
      token: TOKEN,
      apiEnv: {
        // A killed runner is unreachable after 1 s of silence and lost (its attempts failed over) 4 s
        // later: long enough for the runners page to show the unreachable state on a loaded machine.
        MULTYAGENTS_HEARTBEAT_TIMEOUT_MS: '1000',
        MULTYAGENTS_LOST_GRACE_MS: '4000',
      },
      // Journey 1 opens the panel itself: it checks the token form.
      signIn: false,
    });
    ({ page, shots, base, auth } = stack);
  });

  afterAll(async () => {
    await stack?.close();
  });

  async function template(name: string, steps: Array<Record<string, unknown>>): Promise<number> {
    const role = await api('POST', '/roles', { name: `role-${name}` });
    return (
      await api('POST', '/workflow-templates', {
        name,
        steps: steps.map((s) => ({ role_id: role.id, ...s })),
      })
    ).id;
  }

  /** The status badge in the run page's heading. */
  const runStatus = (id: number) => page.locator('h2', { hasText: `Run ${id}` }).locator('.status');

  it('asks for the operator token, then follows a run to success live, without reloading', async () => {
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/ui/');
    // The first API call answers 401: the panel asks for the token once.
    await page.getByLabel('Token').fill(TOKEN);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.locator('[data-testid=stream]', { hasText: 'live: open' }).waitFor();

    const tpl = await template('live', [
      {
        step_id: 'plan',
        title: 'Plan',
        executor_params: { mock: { duration_ms: 2500, lines: ['planning the work', 'plan ready'] } },
      },
      {
        step_id: 'build',
        title: 'Build',
        depends_on: ['plan'],
        executor_params: { mock: { duration_ms: 300 } },
      },
    ]);
    const run = await api('POST', '/workflow-runs', { workflow_template_id: tpl });
    const loadsBefore = loads();
    // In-app navigation (the hash), as a click on a link does.
    await page.evaluate((id) => {
      (window as unknown as { marker: string }).marker = 'same document';
      window.location.hash = `#/runs/${id}`;
    }, run.id);
    await runStatus(run.id).waitFor();
    const first = await runStatus(run.id).textContent();
    expect(first, 'the run should still be going when its page opens').not.toBe('success');
    await page.getByRole('button', { name: 'plan (task' }).first().waitFor();
    await runStatus(run.id).filter({ hasText: 'success' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: /build \(task \d+\): success/ }).waitFor();
    // Same document all along: no reload, no navigation.
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe(
      'same document',
    );
    expect(loads()).toBe(loadsBefore);
    // The DAG draws both steps and the edge between them; the log tail shows the plan's output.
    expect(await page.locator('[data-edge]').count()).toBe(1);
    await page.getByRole('button', { name: /plan \(task \d+\)/ }).click();
    await page.locator('[data-testid=log-tail]', { hasText: 'plan ready' }).waitFor();
    await page.screenshot({ path: path.join(shots, 'run-success.png'), fullPage: true });
  });

  it('approves a gated step from the inbox, shows who decided, and the run continues to success', async () => {
    const tpl = await template('gated', [
      { step_id: 'plan', title: 'Plan', executor_params: { mock: { duration_ms: 200 } } },
      {
        step_id: 'deploy',
        title: 'Deploy',
        depends_on: ['plan'],
        requires_approval: true,
        executor_params: { mock: { duration_ms: 200, lines: ['deployed'] } },
      },
    ]);
    const run = await api('POST', '/workflow-runs', { workflow_template_id: tpl });
    const deploy = run.task_ids[1] as number;
    const loadsBefore = loads();
    await page.getByRole('link', { name: 'Approvals' }).click();
    const item = page.locator('li[data-approval]', { hasText: `Task ${deploy} (deploy)` });
    await item.waitFor();
    // The run waits on the gate: plan done, deploy not started.
    await waitFor('plan done, deploy waiting', async () => {
      const tasks = (await http('GET', `${base}/tasks?run_id=${run.id}`, undefined, auth)).body as Array<{
        status: string;
      }>;
      return tasks[0]!.status === 'success' && tasks[1]!.status === 'created';
    });
    await page.getByLabel('Decide as').fill('e2e-operator');
    await item.getByLabel(/Comment for approval/).fill('ship it');
    await item.getByRole('button', { name: 'Approve' }).click();
    const decided = page.locator('tr[data-approval]', { hasText: `Task ${deploy} (deploy)` });
    await decided.locator('[data-testid=decided-by]', { hasText: 'e2e-operator' }).waitFor();
    expect(await decided.textContent()).toContain('ship it');
    await page.screenshot({ path: path.join(shots, 'approvals-decided.png'), fullPage: true });

    await decided.getByRole('link').click();
    await runStatus(run.id).filter({ hasText: 'success' }).waitFor({ timeout: 30_000 });
    expect(loads()).toBe(loadsBefore);
    const approval = (await http('GET', `${base}/tasks/${deploy}/approval`, undefined, auth)).body;
    expect(approval).toMatchObject({ status: 'approved', comment: 'ship it' });
    await page.screenshot({ path: path.join(shots, 'gated-run-success.png'), fullPage: true });
  });
  it('a failing task shows its triage and log tail; a partial re-run of the step picked in the chooser starts it over', async () => {
    const tpl = await template('failing', [
      {
        step_id: 'check',
        title: 'Check',
        executor_params: {
          mock: {
            duration_ms: 100,
            exit_code: 3,
            lines: ['running the checks'],
            stderr_lines: ['error: 2 tests failed'],
          },
        },
      },
      // Never runs: the run's fail-fast cancels it when check fails.
      { step_id: 'report', title: 'Report', depends_on: ['check'], executor_params: { mock: {} } },
    ]);
    const run = await api('POST', '/workflow-runs', { workflow_template_id: tpl });
    const [check, report] = run.task_ids as [number, number];
    const loadsBefore = loads();
    await page.evaluate((id) => (window.location.hash = `#/runs/${id}`), run.id);
    await runStatus(run.id).filter({ hasText: 'failed' }).waitFor({ timeout: 30_000 });
    const detail = page.locator('section.task-detail');
    await detail.locator('.triage li').first().waitFor();
    await page.locator('[data-testid=log-tail]', { hasText: 'error: 2 tests failed' }).waitFor();
    const triage = await detail.locator('.triage').textContent();
    expect(triage).toMatch(/Triage hints|Next actions/);
    await page.getByRole('table', { name: 'Attempts' }).locator('tr[data-attempt="1"]').waitFor();
    await page.screenshot({ path: path.join(shots, 'failed-run-triage.png'), fullPage: true });

    // The chooser lists both unsuccessful steps, ticked; the operator keeps only check.
    const chooser = page.getByRole('group', { name: 'Steps to re-run' });
    const reportBox = chooser.getByLabel(`report (task ${report})`);
    await reportBox.waitFor();
    expect(await chooser.getByLabel(`check (task ${check})`).isChecked()).toBe(true);
    expect(await reportBox.isChecked()).toBe(true);
    await reportBox.uncheck();
    await page.getByLabel('Reason', { exact: true }).fill('flaky runner, try again');
    await page.screenshot({ path: path.join(shots, 'rerun-chooser.png'), fullPage: true });
    await chooser.getByRole('button', { name: 'Re-run selected (1)' }).click();
    // The answer: check, and report with it (the fail-fast's collateral starts over with any re-run).
    await page
      .getByRole('status')
      .filter({ hasText: `partial re-run: reset tasks ${check}, ${report}` })
      .waitFor();
    // The re-run's second attempt appears live and fails again (the mock always exits 3).
    await page.locator(`tr[data-task="${check}"] td:nth-child(4)`, { hasText: '2' }).waitFor();
    await runStatus(run.id).filter({ hasText: 'failed' }).waitFor({ timeout: 30_000 });
    await page.getByRole('table', { name: 'Attempts' }).locator('tr[data-attempt="2"]').waitFor();
    expect(loads()).toBe(loadsBefore);
    const events = (await http('GET', `${base}/events?run_id=${run.id}`, undefined, auth)).body as Array<{
      event_type: string;
      payload: Record<string, unknown>;
    }>;
    const asked = events.find((e) => e.event_type === 'workflow_run.partial_rerun_requested');
    expect(asked?.payload).toMatchObject({ selected_step_ids: ['check'], selected_task_ids: [check] });
    expect(JSON.stringify(events)).toContain('flaky runner, try again');
  });

  it('aborts a running run from its page with a reason', async () => {
    const tpl = await template('abortable', [
      { step_id: 'long', title: 'Long', executor_params: { mock: { hang: true, lines: ['working'] } } },
    ]);
    const run = await api('POST', '/workflow-runs', { workflow_template_id: tpl });
    await page.evaluate((id) => (window.location.hash = `#/runs/${id}`), run.id);
    await page.getByRole('button', { name: /long \(task \d+\): running/ }).waitFor({ timeout: 30_000 });
    await page.getByLabel('Reason', { exact: true }).fill('not needed any more');
    await page.getByRole('button', { name: 'Abort' }).click();
    await runStatus(run.id).filter({ hasText: 'aborted' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: /long \(task \d+\): (canceled|cancel-requested)/ }).waitFor();
    const events = (await http('GET', `${base}/events?run_id=${run.id}`, undefined, auth)).body as unknown[];
    expect(JSON.stringify(events)).toContain('not needed any more');
    expect(await page.getByRole('button', { name: /Re-run selected/ }).isDisabled()).toBe(true);
    await page.screenshot({ path: path.join(shots, 'aborted-run.png'), fullPage: true });
  });
  it('overview, runners and workflows pages show what the journeys left', async () => {
    await page.getByRole('link', { name: 'Overview' }).click();
    // Runs 1 and 2 succeeded, 3 failed (its triage listed), 4 aborted.
    await page.locator('[data-testid=count-success]', { hasText: '2' }).waitFor();
    await page.locator('[data-testid=count-failed]', { hasText: '1' }).waitFor();
    await page.locator('[data-testid=count-aborted]', { hasText: '1' }).waitFor();
    await page
      .getByRole('region', { name: 'Needs attention' })
      .getByText('tests failed in the agent run')
      .first()
      .waitFor();
    await page.screenshot({ path: path.join(shots, 'overview.png'), fullPage: true });

    // The runs list: the position from the API's headers; a status filter kept in the hash.
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.locator('[data-testid=runs-total]', { hasText: 'Runs 1–4 of 4 · page 1 of 1' }).waitFor();
    expect(await page.locator('tr[data-run]').count()).toBe(4);
    await page.getByLabel('Status').selectOption('failed');
    await page
      .locator('[data-testid=runs-total]', { hasText: 'Runs 1–1 of 1 matching · page 1 of 1' })
      .waitFor();
    expect(new URL(page.url()).hash).toBe('#/runs?status=failed');
    expect(await page.locator('tr[data-run]').count()).toBe(1);
    await page.screenshot({ path: path.join(shots, 'runs-filtered.png'), fullPage: true });

    await page.getByRole('link', { name: 'Runners' }).click();
    const row = page.getByRole('table', { name: 'Runners' }).locator('tr[data-runner]');
    await row.filter({ hasText: 'online' }).waitFor();
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain('0/4');
    await page.screenshot({ path: path.join(shots, 'runners.png'), fullPage: true });

    await page.getByRole('link', { name: 'Workflows' }).click();
    const gated = page.getByRole('region', { name: 'Workflow gated' });
    await gated.getByRole('img', { name: 'deploy: role-gated · approval' }).waitFor();
    expect(await gated.locator('[data-edge]').count()).toBe(1);
    await page.screenshot({ path: path.join(shots, 'workflows.png'), fullPage: true });
  });
  it('creates a role and a workflow in the builder, starts a run from the panel and sees it succeed live', async () => {
    const loadsBefore = loads();
    await page.getByRole('link', { name: 'Roles' }).click();
    const form = page.getByRole('form', { name: 'New role' });
    await form.getByLabel('Role name').fill('panel-role');
    await form.getByLabel('System prompt').fill('You build things.');
    await form.getByRole('button', { name: 'Create role' }).click();
    await form.getByRole('status').filter({ hasText: 'role panel-role created' }).waitFor();
    await page.getByRole('table', { name: 'Roles' }).getByText('panel-role').waitFor();

    await page.getByRole('link', { name: 'Workflows' }).click();
    await page.getByRole('link', { name: 'New workflow' }).click();
    await page.getByLabel('Workflow name').fill('built-in-panel');
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.getByRole('button', { name: 'Add step' }).click();
    const first = page.getByRole('group', { name: 'Step 1', exact: true });
    const second = page.getByRole('group', { name: 'Step 2', exact: true });
    await first.getByLabel('Step id').fill('draft');
    await second.getByLabel('Step id').fill('review');
    for (const card of [first, second]) await card.getByLabel('Role').selectOption({ label: 'panel-role' });
    // Inline validation: a cycle is named and blocks the create until it is undone.
    await page.getByRole('group', { name: 'Step 2 depends on' }).getByLabel('draft').check();
    await page.getByRole('group', { name: 'Step 1 depends on' }).getByLabel('review').check();
    await page.getByRole('alert').filter({ hasText: 'DAG_CYCLE' }).waitFor();
    expect(await page.getByRole('button', { name: 'Create workflow' }).isDisabled()).toBe(true);
    await page.getByRole('group', { name: 'Step 1 depends on' }).getByLabel('review').uncheck();
    await page.screenshot({ path: path.join(shots, 'builder.png'), fullPage: true });
    await page.getByRole('button', { name: 'Create workflow' }).click();

    const card = page.getByRole('region', { name: 'Workflow built-in-panel' });
    await card.getByRole('button', { name: 'Start a run of built-in-panel' }).click();
    await page.locator('h2', { hasText: /^Run \d+/ }).waitFor();
    const id = Number(/#\/runs\/(\d+)/.exec(page.url())![1]);
    await runStatus(id).filter({ hasText: 'success' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: /review \(task \d+\): success/ }).waitFor();
    expect(loads()).toBe(loadsBefore);
    const tpls = (await http('GET', `${base}/workflow-templates`, undefined, auth)).body as Array<{
      name: string;
      steps: Array<{ step_id: string; depends_on: string[] }>;
    }>;
    expect(
      tpls.find((t) => t.name === 'built-in-panel')!.steps.map((s) => [s.step_id, s.depends_on]),
    ).toEqual([
      ['draft', []],
      ['review', ['draft']],
    ]);
    await page.screenshot({ path: path.join(shots, 'builder-run-success.png'), fullPage: true });
  });

  it('a killed runner shows unreachable on the runners page, then lost with its held attempt (last: kills the runner)', async () => {
    const tpl = await template('held', [
      { step_id: 'hold', title: 'Hold', executor_params: { mock: { hang: true } } },
    ]);
    const run = await api('POST', '/workflow-runs', { workflow_template_id: tpl });
    const held = run.task_ids[0] as number;
    const loadsBefore = loads();
    await page.getByRole('link', { name: 'Runners' }).click();
    const row = page.getByRole('table', { name: 'Runners' }).locator('tr[data-runner]');
    await row.getByRole('link', { name: `task ${held} (attempt 1)` }).waitFor({ timeout: 30_000 });
    await row.filter({ hasText: 'online' }).waitFor();

    await stack.runner.kill('SIGKILL');
    const liveness = row.locator('td:nth-child(2)');
    await liveness.filter({ hasText: /^unreachable$/ }).waitFor({ timeout: 30_000 });
    // Past the grace the runner is lost and its attempt with it: it holds nothing, and the overview names it.
    await liveness.filter({ hasText: /^unreachable lost$/ }).waitFor({ timeout: 30_000 });
    await row.locator('td:nth-child(4)', { hasText: '—' }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(shots, 'runner-unreachable.png'), fullPage: true });
    const events = (await http('GET', `${base}/events?task_id=${held}`, undefined, auth)).body as Array<{
      event_type: string;
    }>;
    expect(events.map((e) => e.event_type)).toContain('task.runner_lost');
    await page.getByRole('link', { name: 'Overview' }).click();
    await page
      .getByRole('region', { name: 'Needs attention' })
      .locator('li', { hasText: 'unreachable' })
      .waitFor();
    expect(loads()).toBe(loadsBefore);
  });
});
