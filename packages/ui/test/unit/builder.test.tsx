import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  fromTemplateJson,
  findCycle,
  toTemplateBody,
  validateDraft,
  type DraftStep,
} from '../../src/lib/workflowDraft';
import { Builder } from '../../src/pages/Builder';

const step = (step_id: string, depends_on: string[] = [], over: Partial<DraftStep> = {}): DraftStep => ({
  step_id,
  title: step_id.toUpperCase(),
  role_id: 1,
  depends_on,
  requires_approval: false,
  ...over,
});
const codes = (steps: DraftStep[], name = 'w') => validateDraft({ name, steps }).map((i) => [i.step, i.code]);

describe('validateDraft (the API DAG rules, inline)', () => {
  it('accepts a valid diamond', () => {
    expect(codes([step('a'), step('b', ['a']), step('c', ['a']), step('d', ['b', 'c'])])).toEqual([]);
  });

  it('names duplicate ids, unknown and self dependencies, bad ids, missing title, role and name', () => {
    expect(
      codes(
        [step('a'), step('a'), step('b', ['zz', 'b']), step('bad id', [], { title: ' ', role_id: null })],
        ' ',
      ),
    ).toEqual([
      [null, 'VALIDATION_FAILED'],
      [1, 'DAG_DUPLICATE_STEP'],
      [3, 'VALIDATION_FAILED'],
      [3, 'VALIDATION_FAILED'],
      [3, 'VALIDATION_FAILED'],
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

  it('round-trips the template body through raw JSON', () => {
    const draft = { name: 'ship', steps: [step('a'), step('b', ['a'], { requires_approval: true })] };
    const body = toTemplateBody(draft);
    expect(body.steps[1]).toEqual({
      step_id: 'b',
      title: 'B',
      role_id: 1,
      depends_on: ['a'],
      requires_approval: true,
    });
    expect(fromTemplateJson(JSON.stringify(body))).toEqual(draft);
    expect(fromTemplateJson('{')).toMatch(/^not JSON/);
    expect(fromTemplateJson('{"name":"x"}')).toMatch(/steps/);
  });
});

describe('Builder', () => {
  const posted: unknown[] = [];
  beforeEach(() => {
    posted.length = 0;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        if (url === '/roles') return new Response(JSON.stringify([{ id: 7, name: 'dev' }]), { status: 200 });
        if (url === '/workflow-templates' && init?.method === 'POST') {
          posted.push(JSON.parse(String(init.body)));
          return new Response(JSON.stringify({ id: 3 }), { status: 200 });
        }
        return new Response('{}', { status: 404 });
      }),
    );
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('shows inline errors while the draft is invalid, and creates the template once it is valid', async () => {
    render(<Builder />);
    // The roles load first (a new step takes the first role).
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
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
    // Raw JSON and back keeps the draft.
    fireEvent.click(screen.getByRole('button', { name: 'Edit as JSON' }));
    const raw = screen.getByLabelText(/Workflow JSON/) as HTMLTextAreaElement;
    expect(JSON.parse(raw.value).steps[1]).toMatchObject({
      step_id: 'build',
      depends_on: ['step-1'],
      role_id: 7,
    });
    fireEvent.change(raw, {
      target: { value: raw.value.replace('"title": "Step 2"', '"title": "Build it"') },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Back to the form' }));
    expect(
      (within(screen.getByRole('group', { name: 'Step 2' })).getByLabelText('Title') as HTMLInputElement)
        .value,
    ).toBe('Build it');
    expect(create.disabled).toBe(false);
    fireEvent.click(create);
    await waitFor(() => expect(posted).toHaveLength(1));
    expect(posted[0]).toEqual({
      name: 'ship it',
      steps: [
        { step_id: 'step-1', title: 'Step 1', role_id: 7, depends_on: [] },
        { step_id: 'build', title: 'Build it', role_id: 7, depends_on: ['step-1'] },
      ],
    });
  });
});
