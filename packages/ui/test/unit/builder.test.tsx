import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { findCycle, validateDraft, type DraftStep } from '../../src/lib/workflowDraft';
import { Builder } from '../../src/pages/Builder';
import { Workflows } from '../../src/pages/Workflows';

const step = (id: string, depends_on: string[] = [], over: Partial<DraftStep> = {}): DraftStep => ({
  id,
  title: id.toUpperCase(),
  role: 'dev',
  depends_on,
  ...over,
});
const codes = (steps: DraftStep[], name = 'w') =>
  validateDraft({ name, roles: [], steps }).map((i) => [i.step, i.code]);

describe('validateDraft (the API DAG rules, inline)', () => {
  it('accepts a valid diamond', () => {
    expect(codes([step('a'), step('b', ['a']), step('c', ['a']), step('d', ['b', 'c'])])).toEqual([]);
  });

  it('names duplicate, reserved and bad ids, unknown and self dependencies, missing title, role and name', () => {
    expect(
      codes(
        [
          step('a'),
          step('a'),
          step('b', ['zz', 'b']),
          step('bad id', [], { title: ' ', role: '' }),
          step('multyagents.merge'),
          step('t', [], { timeout_seconds: 1.5, retry_policy: { max_retries: 11 } }),
        ],
        ' ',
      ),
    ).toEqual([
      [null, 'VALIDATION_FAILED'],
      [1, 'DAG_DUPLICATE_STEP'],
      [3, 'VALIDATION_FAILED'],
      [3, 'VALIDATION_FAILED'],
      [3, 'VALIDATION_FAILED'],
      [4, 'RESERVED_STEP_ID'],
      [5, 'VALIDATION_FAILED'],
      [5, 'VALIDATION_FAILED'],
      [2, 'DAG_UNKNOWN_DEPENDENCY'],
      [2, 'DAG_SELF_DEPENDENCY'],
    ]);
    expect(codes([])).toEqual([[null, 'VALIDATION_FAILED']]);
  });

  it('finds a cycle and shows its path', () => {
    const steps = [step('a', ['c']), step('b', ['a']), step('c', ['b']), step('d')];
    expect(findCycle(steps)).toEqual(['a', 'c', 'b', 'a']);
    expect(codes(steps)).toEqual([[null, 'DAG_CYCLE']]);
    expect(findCycle([step('a'), step('b', ['a'])])).toBeNull();
  });

  it('with the catalogue: role names must exist or be declared, the project must exist', () => {
    const cat = { roles: [{ id: 1, name: 'dev' }], projects: [{ id: 1, name: 'web' }] };
    const d = {
      name: 'w',
      project: 'api',
      roles: [{ name: 'new' }],
      steps: [step('a'), step('b', [], { role: 'new' }), step('c', [], { role: 'ghost' })],
    };
    expect(validateDraft(d, cat).map((i) => [i.step, i.code, i.path.join('.')])).toEqual([
      [2, 'ROLE_NOT_FOUND', 'steps.2.role'],
      [null, 'PROJECT_NOT_FOUND', 'project'],
    ]);
  });
});

/** A stored template with fields the form has no input for (they must survive an edit). */
const STORED = {
  id: 5,
  name: 'ship',
  project_id: 2,
  execution_mode: 'isolated-worktree',
  merge: { enabled: true, strategy: 'merge-commit', requires_approval: false, target_branch: null },
  steps: [
    {
      step_id: 'plan',
      role_id: 7,
      title: 'Plan',
      description: 'think first',
      depends_on: [],
      required_artifacts: [],
      retry_policy: {
        max_retries: 2,
        retry_on: ['network'],
        backoff_initial_ms: 1000,
        backoff_max_ms: 60000,
        backoff_multiplier: 2,
        jitter: 0.2,
      },
      executor_params: { mock: { duration_ms: 5 } },
    },
    { step_id: 'build', role_id: 7, title: 'Build', depends_on: ['plan'], required_artifacts: [] },
  ],
};

interface Sent {
  method: string;
  url: string;
  body: unknown;
}

function stubApi(answers: Record<string, (body: unknown) => [number, unknown]>): Sent[] {
  const sent: Sent[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const body = init?.body ? JSON.parse(String(init.body)) : undefined;
      if (method !== 'GET') sent.push({ method, url, body });
      const answer = answers[`${method} ${url}`];
      if (!answer) return new Response('{"code":"NOT_FOUND","detail":"no route"}', { status: 404 });
      const [status, json] = answer(body);
      return new Response(json === null ? null : JSON.stringify(json), { status });
    }),
  );
  return sent;
}

const settle = () =>
  act(async () => {
    await new Promise((r) => setTimeout(r, 0));
  });

describe('Builder', () => {
  beforeEach(() => {
    window.location.hash = '';
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('shows inline errors while the draft is invalid, keeps it through JSON, and creates the template', async () => {
    const sent = stubApi({
      'GET /roles': () => [200, [{ id: 7, name: 'dev' }]],
      'GET /projects': () => [200, []],
      'POST /workflow-templates': () => [200, { id: 3 }],
    });
    render(<Builder />);
    await settle();
    const create = screen.getByRole('button', { name: 'Create workflow' }) as HTMLButtonElement;
    expect(create.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Workflow name'), { target: { value: 'ship it' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add step' }));
    fireEvent.click(screen.getByRole('button', { name: 'Add step' }));
    const second = screen.getByRole('group', { name: 'Step 2' });
    // Same id twice: the duplicate is named on its card, and nothing can be created.
    fireEvent.change(within(second).getByLabelText('Step id'), { target: { value: 'step-1' } });
    expect(within(second).getByRole('alert').textContent).toContain('DAG_DUPLICATE_STEP');
    expect(create.disabled).toBe(true);
    fireEvent.change(within(second).getByLabelText('Step id'), { target: { value: 'build' } });
    fireEvent.click(
      within(screen.getByRole('group', { name: 'Step 2 depends on' })).getByLabelText('step-1'),
    );
    // A cycle back to build is refused too.
    fireEvent.click(within(screen.getByRole('group', { name: 'Step 1 depends on' })).getByLabelText('build'));
    expect(screen.getByText(/the steps form a cycle/)).toBeTruthy();
    fireEvent.click(within(screen.getByRole('group', { name: 'Step 1 depends on' })).getByLabelText('build'));
    expect(screen.queryAllByRole('alert')).toEqual([]);
    // The timeout input sets the step's field.
    fireEvent.change(within(second).getByLabelText('Timeout (seconds)'), { target: { value: '90' } });
    // Raw JSON is the workflow file: roles by name, `id` keys.
    fireEvent.click(screen.getByRole('button', { name: 'JSON' }));
    const raw = (await screen.findByLabelText(/Workflow file \(JSON/)) as HTMLTextAreaElement;
    expect(JSON.parse(raw.value).steps[1]).toEqual({
      id: 'build',
      title: 'Step 2',
      role: 'dev',
      depends_on: ['step-1'],
      timeout_seconds: 90,
    });
    fireEvent.change(raw, {
      target: { value: raw.value.replace('"title": "Step 2"', '"title": "Build it"') },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Form' }));
    await screen.findByLabelText('Workflow name');
    expect(
      (within(screen.getByRole('group', { name: 'Step 2' })).getByLabelText('Title') as HTMLInputElement)
        .value,
    ).toBe('Build it');
    expect(create.disabled).toBe(false);
    fireEvent.click(create);
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toEqual({
      method: 'POST',
      url: '/workflow-templates',
      body: {
        name: 'ship it',
        steps: [
          { step_id: 'step-1', title: 'Step 1', role_id: 7, depends_on: [] },
          { step_id: 'build', title: 'Build it', role_id: 7, depends_on: ['step-1'], timeout_seconds: 90 },
        ],
      },
    });
    await waitFor(() => expect(window.location.hash).toBe('#/workflows?created=3'));
  });

  it("edits a step's description and time to start and the workflow's merge policy in the form", async () => {
    const sent = stubApi({
      'GET /roles': () => [200, [{ id: 7, name: 'dev' }]],
      'GET /projects': () => [200, []],
      'POST /workflow-templates': () => [200, { id: 4 }],
    });
    render(<Builder />);
    await settle();
    const create = screen.getByRole('button', { name: 'Create workflow' }) as HTMLButtonElement;
    fireEvent.change(screen.getByLabelText('Workflow name'), { target: { value: 'land it' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add step' }));
    const card = screen.getByRole('group', { name: 'Step 1' });
    fireEvent.change(within(card).getByLabelText('Description'), {
      target: { value: 'Add a /health route and its test.' },
    });
    const tts = within(card).getByLabelText('Time to start (seconds)');
    fireEvent.change(tts, { target: { value: '0' } });
    expect(within(card).getByRole('alert').textContent).toContain('time to start: whole seconds');
    expect(create.disabled).toBe(true);
    fireEvent.change(tts, { target: { value: '120' } });
    expect(within(card).queryByRole('alert')).toBeNull();

    fireEvent.change(screen.getByLabelText('Execution mode'), { target: { value: 'isolated-worktree' } });
    const merge = screen.getByRole('group', { name: 'Merge policy' });
    expect(merge.textContent).not.toContain('Not used');
    fireEvent.change(within(merge).getByLabelText('Strategy'), { target: { value: 'merge-commit' } });
    fireEvent.click(within(merge).getByLabelText('Merge waits for an approval'));
    const target = within(merge).getByLabelText('Target branch');
    fireEvent.change(target, { target: { value: 'release..1' } });
    expect(within(merge).getByRole('alert').textContent).toContain('is not a valid branch name');
    expect(create.disabled).toBe(true);
    fireEvent.change(target, { target: { value: 'release/1.x' } });
    expect(screen.queryAllByRole('alert')).toEqual([]);

    // The file holds what the form set.
    fireEvent.click(screen.getByRole('button', { name: 'YAML' }));
    const raw = (await screen.findByLabelText(/Workflow file \(YAML/)) as HTMLTextAreaElement;
    expect(raw.value).toContain('description: Add a /health route and its test.');
    expect(raw.value).toContain('target_branch: release/1.x');
    fireEvent.click(screen.getByRole('button', { name: 'Form' }));
    await screen.findByLabelText('Workflow name');
    expect(
      (
        within(screen.getByRole('group', { name: 'Merge policy' })).getByLabelText(
          'Strategy',
        ) as HTMLSelectElement
      ).value,
    ).toBe('merge-commit');

    fireEvent.click(screen.getByRole('button', { name: 'Create workflow' }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]!.body).toEqual({
      name: 'land it',
      execution_mode: 'isolated-worktree',
      merge: {
        enabled: true,
        strategy: 'merge-commit',
        requires_approval: true,
        target_branch: 'release/1.x',
      },
      steps: [
        {
          step_id: 'step-1',
          title: 'Step 1',
          role_id: 7,
          depends_on: [],
          description: 'Add a /health route and its test.',
          time_to_start_seconds: 120,
        },
      ],
    });
  });

  it('edits a template: YAML keeps every field, a step with a declared role is added, Save creates the role and PUTs', async () => {
    const sent = stubApi({
      'GET /roles': () => [200, [{ id: 7, name: 'dev' }]],
      'GET /projects': () => [200, [{ id: 2, name: 'web' }]],
      'GET /workflow-templates/5': () => [200, STORED],
      'POST /roles': () => [200, { id: 11, name: 'reviewer' }],
      'PUT /workflow-templates/5': (b) => [200, { ...(b as object), id: 5 }],
    });
    render(<Builder mode="edit" templateId={5} />);
    await screen.findByRole('heading', { name: 'Edit workflow #5' });
    const plan = screen.getByRole('group', { name: 'Step 1' });
    expect((within(plan).getByLabelText('Retry override') as HTMLInputElement).checked).toBe(true);
    expect((within(plan).getByLabelText('Max retries') as HTMLInputElement).value).toBe('2');
    expect(plan.textContent).toContain('executor_params');
    expect((within(plan).getByLabelText('Description') as HTMLTextAreaElement).value).toBe('think first');
    // The stored merge policy is in the form.
    const merge = screen.getByRole('group', { name: 'Merge policy' });
    expect((within(merge).getByLabelText('Strategy') as HTMLSelectElement).value).toBe('merge-commit');
    fireEvent.change(within(plan).getByLabelText('Title'), { target: { value: 'Plan it' } });
    // A warn gate set in the form.
    const gates = within(plan).getByRole('group', { name: 'Step 1 quality gates' });
    fireEvent.click(within(gates).getByLabelText('handoff-present'));
    fireEvent.change(within(gates).getByLabelText('Step 1 handoff-present severity'), {
      target: { value: 'warn' },
    });

    fireEvent.click(screen.getByRole('button', { name: 'YAML' }));
    const raw = (await screen.findByLabelText(/Workflow file \(YAML/)) as HTMLTextAreaElement;
    expect(raw.value).toContain('executor_params:');
    expect(raw.value).toContain('project: web');
    expect(raw.value).toContain('strategy: merge-commit');
    // A typo is an inline error with its line, and Save is blocked while it is there.
    fireEvent.change(raw, { target: { value: raw.value.replace('title: Plan it', 'titel: Plan it') } });
    const problem = within(screen.getByRole('alert', { name: 'Problems in the file' })).getAllByRole(
      'listitem',
    );
    expect(problem.map((p) => p.textContent)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^line \d+: VALIDATION_FAILED steps\[0\]\.titel: unknown field/),
      ]),
    );
    expect((screen.getByRole('button', { name: 'Save workflow' }) as HTMLButtonElement).disabled).toBe(true);
    const fixed = raw.value.replace('titel: Plan it', 'title: Plan it');
    fireEvent.change(raw, {
      target: {
        value:
          fixed.replace('steps:', 'roles:\n  - name: reviewer\n    system_prompt: look closely\nsteps:') +
          '  - id: review\n    title: Review\n    role: reviewer\n    depends_on: [build]\n',
      },
    });
    expect(screen.queryByRole('alert', { name: 'Problems in the file' })).toBeNull();
    expect(screen.getByTestId('will-create').textContent).toContain('"reviewer"');
    // YAML → JSON → form keeps it all.
    fireEvent.click(screen.getByRole('button', { name: 'JSON' }));
    await screen.findByLabelText(/Workflow file \(JSON/);
    fireEvent.click(screen.getByRole('button', { name: 'Form' }));
    const review = await screen.findByRole('group', { name: 'Step 3' });
    expect((within(review).getByLabelText('Role') as HTMLSelectElement).value).toBe('reviewer');
    expect(within(review).getByRole('option', { name: 'reviewer (new: created on save)' })).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Save workflow' }));
    await waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[0]).toEqual({
      method: 'POST',
      url: '/roles',
      body: { name: 'reviewer', system_prompt: 'look closely' },
    });
    // Empty lists are the defaults: the file (and so the body) leaves them out.
    const [plan0, build0] = STORED.steps.map((x) => {
      const copy: Record<string, unknown> = { ...x };
      delete copy.required_artifacts;
      return copy;
    });
    expect(sent[1]).toEqual({
      method: 'PUT',
      url: '/workflow-templates/5',
      body: {
        name: 'ship',
        project_id: 2,
        execution_mode: 'isolated-worktree',
        merge: STORED.merge,
        steps: [
          {
            ...plan0,
            title: 'Plan it',
            quality_gate_policy: {
              required_checks: [
                { check: 'task-status', required: true, severity: 'blocker' },
                { check: 'handoff-present', required: true, severity: 'warn' },
              ],
            },
          },
          build0,
          { step_id: 'review', role_id: 11, title: 'Review', depends_on: ['build'] },
        ],
      },
    });
    await waitFor(() => expect(window.location.hash).toBe('#/workflows?saved=5'));
  });

  it('duplicates a template as a new one (POST, never PUT) and shows a refusal with its code', async () => {
    const sent = stubApi({
      'GET /roles': () => [200, [{ id: 7, name: 'dev' }]],
      'GET /projects': () => [200, [{ id: 2, name: 'web' }]],
      'GET /workflow-templates/5': () => [200, STORED],
      'POST /workflow-templates': () => [404, { code: 'ROLE_NOT_FOUND', detail: 'role 7 not found' }],
    });
    render(<Builder mode="duplicate" templateId={5} />);
    expect((await screen.findByLabelText<HTMLInputElement>('Workflow name')).value).toBe('ship (copy)');
    fireEvent.click(screen.getByRole('button', { name: 'Create workflow' }));
    expect((await screen.findByRole('alert')).textContent).toBe('ROLE_NOT_FOUND role 7 not found');
    expect(sent.map((s) => [s.method, s.url, (s.body as { name: string }).name])).toEqual([
      ['POST', '/workflow-templates', 'ship (copy)'],
    ]);
    expect(window.location.hash).toBe('');
  });
});

describe('Workflows page: edit, duplicate, delete with confirmation', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('links to the builder and shows a refused delete with its code', async () => {
    let answer: [number, unknown] = [
      409,
      { code: 'RESOURCE_IN_USE', detail: 'workflow template 5 is referenced by 1 workflow run(s)' },
    ];
    const sent = stubApi({
      'GET /workflow-templates': () => [200, [STORED]],
      'GET /roles': () => [200, [{ id: 7, name: 'dev' }]],
      'DELETE /workflow-templates/5': () => answer,
      // Opening the confirmation reads the template's version (this API answers no ETag).
      'GET /workflow-templates/5': () => [200, STORED],
    });
    render(<Workflows />);
    await screen.findByRole('region', { name: 'Workflow ship' });
    expect(screen.getByRole('link', { name: 'Edit ship' }).getAttribute('href')).toBe('#/workflows/5/edit');
    expect(screen.getByRole('link', { name: 'Duplicate ship' }).getAttribute('href')).toBe(
      '#/workflows/5/duplicate',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Delete ship' }));
    // Nothing is sent before the confirmation; Cancel backs out.
    expect(sent).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete ship' }));
    const confirm = screen.getByRole('button', { name: 'Confirm delete' });
    await waitFor(() => expect(confirm.hasAttribute('disabled')).toBe(false));
    fireEvent.click(confirm);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('RESOURCE_IN_USE');
    expect(alert.textContent).toContain('referenced by 1 workflow run');
    answer = [204, null];
    fireEvent.click(screen.getByRole('button', { name: 'Confirm delete' }));
    await waitFor(() => expect(sent).toHaveLength(2));
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    expect(sent.map((s) => `${s.method} ${s.url}`)).toEqual([
      'DELETE /workflow-templates/5',
      'DELETE /workflow-templates/5',
    ]);
  });
});
