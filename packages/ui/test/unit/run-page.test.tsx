import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DagView } from '../../src/components/DagView';
import { LiveContext } from '../../src/lib/hooks';
import { LiveBus } from '../../src/lib/live';
import type { EventRecord, TaskView } from '../../src/lib/types';
import { RunPage } from '../../src/pages/RunPage';

function task(id: number, over: Partial<TaskView> = {}): TaskView {
  return {
    id,
    run_id: 1,
    step_id: `s${id}`,
    title: `Step ${id}`,
    status: 'created',
    attempt: 0,
    runner_id: null,
    depends_on: [],
    requires_approval: false,
    approval_id: null,
    approval_status: null,
    failure_category: null,
    failure_step: null,
    message: null,
    started_at: null,
    finished_at: null,
    created_at: '2026-01-01T00:00:00Z',
    failure_triage_hints: [],
    suggested_next_actions: [],
    ...over,
  };
}

afterEach(cleanup);

describe('DagView', () => {
  it('draws one labelled, keyboard-reachable node per task and one edge per dependency', () => {
    const onSelect = vi.fn();
    render(
      <DagView
        nodes={[
          { id: 1, deps: [], label: 's1 (task 1)', status: 'success' },
          { id: 2, deps: [1], label: 's2 (task 2)', status: 'created' },
          { id: 3, deps: [1, 2], label: 's3 (task 3)', status: 'created', note: 'awaiting approval' },
        ]}
        selected={2}
        onSelect={onSelect}
      />,
    );
    const nodes = screen.getAllByRole('button');
    expect(nodes.map((n) => n.getAttribute('aria-label'))).toEqual([
      's1 (task 1): success',
      's2 (task 2): created',
      's3 (task 3): created · awaiting approval',
    ]);
    expect(nodes.every((n) => n.getAttribute('tabindex') === '0')).toBe(true);
    expect(nodes[1]!.getAttribute('aria-pressed')).toBe('true');
    const edges = [...document.querySelectorAll('[data-edge]')].map((e) => e.getAttribute('data-edge'));
    expect(edges).toEqual(['1->2', '1->3', '2->3']);
    fireEvent.click(nodes[0]!);
    fireEvent.keyDown(nodes[2]!, { key: 'Enter' });
    expect(onSelect.mock.calls).toEqual([[1], [3]]);
  });
  it('ellipsizes a long label on the node and keeps the full text as its name and <title> tooltip', () => {
    render(
      <DagView
        nodes={[
          {
            id: 12,
            deps: [],
            label: 'multyagents.merge (task 12)',
            status: 'created',
            note: 'awaiting approval',
          },
          { id: 13, deps: [12], label: 'short (task 13)', status: 'success' },
        ]}
        onSelect={() => {}}
      />,
    );
    const [long, short] = screen.getAllByRole('button');
    expect(long!.getAttribute('aria-label')).toBe('multyagents.merge (task 12): created · awaiting approval');
    expect(long!.querySelector('title')!.textContent).toBe(
      'multyagents.merge (task 12): created · awaiting approval',
    );
    expect([...long!.querySelectorAll('text')].map((t) => t.textContent)).toEqual([
      'multyagents.merge…',
      'created · awaiting…',
    ]);
    expect([...short!.querySelectorAll('text')].map((t) => t.textContent)).toEqual([
      'short (task 13)',
      'success',
    ]);
    expect(short!.querySelector('title')!.textContent).toBe('short (task 13): success');
  });
});

describe('RunPage (live)', () => {
  let tasks: TaskView[];
  let runStatus: string;
  const calls: string[] = [];
  beforeEach(() => {
    calls.length = 0;
    runStatus = 'running';
    tasks = [task(1, { status: 'running', attempt: 1, runner_id: 4 }), task(2, { depends_on: [1] })];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        calls.push(url);
        const json = (body: unknown, status = 200) =>
          new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
        if (url === '/workflow-runs/1')
          return json({
            id: 1,
            workflow_template_id: 1,
            status: runStatus,
            task_ids: [1, 2],
            failure_triage_hints: runStatus === 'failed' ? ['the agent exited with code 1'] : [],
            suggested_next_actions: runStatus === 'failed' ? ['partial re-run the failed step'] : [],
            failure_categories: [],
            started_at: null,
            finished_at: null,
            success_rate: 0,
          });
        if (url.startsWith('/tasks?run_id=1')) return json(tasks);
        if (url.startsWith('/handoffs?run_id=1') || url.startsWith('/artifacts?run_id=1')) return json([]);
        if (/^\/tasks\/\d+\/audit$/.test(url)) return json({ task_id: 1, attempts: [] });
        if (url.startsWith('/tasks/'))
          return json({ task_id: 1, attempt: 1, status: 'running', done: true, chunks: [] });
        if (url.includes('/abort'))
          return json({ detail: 'workflow run 1 is success', code: 'RUN_STATE_CONFLICT' }, 409);
        return json({ detail: 'nope', code: 'ROUTE_NOT_FOUND' }, 404);
      }),
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  it('refetches on an event of its run (no reload) and shows triage, and an action error with its code', async () => {
    const bus = new LiveBus(1);
    render(
      <LiveContext.Provider value={bus}>
        <RunPage id={1} />
      </LiveContext.Provider>,
    );
    await screen.findByRole('button', { name: 's1 (task 1): running' });
    const table = screen.getByRole('table', { name: 'Tasks' });
    expect(within(table).getAllByRole('row')).toHaveLength(3);

    // The run fails: the API says so, and an event of run 1 arrives on the stream.
    runStatus = 'failed';
    tasks = [
      task(1, { status: 'failed', attempt: 1, runner_id: 4, failure_category: 'agent_exit' as never }),
      tasks[1]!,
    ];
    const before = calls.length;
    act(() =>
      bus.publish({ id: 9, event_type: 'task.runner_status_updated', run_id: 1, task_id: 1 } as EventRecord),
    );
    await screen.findByRole('button', { name: 's1 (task 1): failed' });
    expect(calls.slice(before)).toEqual(
      expect.arrayContaining(['/workflow-runs/1', '/tasks?run_id=1&limit=10000']),
    );
    expect(screen.getByText('the agent exited with code 1')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Re-run selected (1)' })).toBeTruthy();

    // An event of another run changes nothing.
    const n = calls.length;
    act(() => bus.publish({ id: 10, event_type: 'task.created', run_id: 2, task_id: 7 } as EventRecord));
    await new Promise((r) => setTimeout(r, 20));
    expect(calls.length).toBe(n);

    // A refused action shows the API's code and detail.
    fireEvent.change(screen.getByLabelText('Reason'), { target: { value: 'stop it' } });
    runStatus = 'running';
    act(() =>
      bus.publish({ id: 11, event_type: 'workflow_run.running', run_id: 1, task_id: null } as EventRecord),
    );
    await waitFor(() =>
      expect((screen.getByRole('button', { name: 'Abort' }) as HTMLButtonElement).disabled).toBe(false),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Abort' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('RUN_STATE_CONFLICT');
    expect(alert.textContent).toContain('workflow run 1 is success');
  });
});
