import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RunControls } from '../../src/components/run/RunControls';
import { json, mockApi, runView, taskView } from './mockApi';

const failed = [
  taskView(3, { step_id: 'check', status: 'failed' }),
  taskView(4, { step_id: 'lint', status: 'failed' }),
  // A task without a step id (a run made of task ids) is re-run by its id.
  taskView(5, { step_id: null, title: 'adhoc', status: 'canceled' }),
];

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('partial re-run chooser', () => {
  it('ticks every unsuccessful step by default and posts only the chosen ones, with the reason', async () => {
    const calls = mockApi((url) =>
      url === '/workflow-runs/1/partial-rerun'
        ? json({ run_id: 1, selected_task_ids: [3, 5], selected_step_ids: ['check'], reset_task_ids: [3, 5] })
        : undefined,
    );
    render(<RunControls run={runView(1, { status: 'failed' })} unsuccessful={failed} />);
    const group = screen.getByRole('group', { name: 'Steps to re-run' });
    const boxes = within(group).getAllByRole('checkbox') as HTMLInputElement[];
    expect(boxes.map((b) => b.checked)).toEqual([true, true, true]);
    expect(screen.getByRole('button', { name: 'Re-run selected (3)' })).toBeTruthy();

    fireEvent.click(within(group).getByLabelText('lint (task 4)'));
    fireEvent.change(screen.getByLabelText('Reason'), { target: { value: 'flaky runner' } });
    fireEvent.click(screen.getByRole('button', { name: 'Re-run selected (2)' }));

    const status = await screen.findByRole('status');
    expect(status.textContent).toBe('partial re-run: reset tasks 3, 5');
    expect(calls).toEqual([
      {
        method: 'POST',
        url: '/workflow-runs/1/partial-rerun',
        body: { step_ids: ['check'], task_ids: [5], requested_by: 'panel', reason: 'flaky runner' },
      },
    ]);
  });

  it("shows the API's refusal with its code, and cannot post an empty choice", async () => {
    mockApi(() =>
      json(
        {
          code: 'RERUN_SELECTION_INVALID',
          detail: 'the run cannot succeed while task 4 (lint) is failed: select it too',
          field: 'task_ids',
        },
        422,
      ),
    );
    render(<RunControls run={runView(1, { status: 'failed' })} unsuccessful={failed.slice(0, 2)} />);
    fireEvent.click(screen.getByLabelText('lint (task 4)'));
    fireEvent.click(screen.getByRole('button', { name: 'Re-run selected (1)' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe(
      'RERUN_SELECTION_INVALID the run cannot succeed while task 4 (lint) is failed: select it too',
    );
    fireEvent.click(screen.getByLabelText('check (task 3)'));
    expect((screen.getByRole('button', { name: 'Re-run selected (0)' }) as HTMLButtonElement).disabled).toBe(
      true,
    );
  });

  it('is disabled while the run is paused or aborted, and says so', () => {
    mockApi(() => undefined);
    render(<RunControls run={runView(1, { status: 'aborted' })} unsuccessful={failed} />);
    expect((screen.getByRole('button', { name: 'Re-run selected (3)' }) as HTMLButtonElement).disabled).toBe(
      true,
    );
    expect(screen.getByText(/not while the run is aborted/)).toBeTruthy();
  });
});
