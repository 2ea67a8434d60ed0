import { describe, expect, it } from 'vitest';
import { judge } from '../../src/cli/commands/e2e.js';
import { formatDuration, RunProgress, summarize, taskLine } from '../../src/cli/progress.js';
import type { RunView, TaskView } from '../../src/cli/runApi.js';

const name = (id: number) => `runner-${id}`;
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function task(over: Partial<TaskView>): TaskView {
  return {
    id: 1,
    status: 'created',
    title: 'Plan',
    step_id: 'plan',
    attempt: null,
    runner_id: null,
    ...over,
  };
}

describe('task lines', () => {
  it('shows step, status, attempt, runner and duration (running: up to now)', () => {
    const t = task({ status: 'running', attempt: 2, runner_id: 3, started_at: at(0) });
    const line = taskLine(t, name, T0 + 1500);
    expect(line).toMatch(/plan\s+running\s+attempt 2\s+runner-3\s+1\.5s\s+Plan$/);
    const done = taskLine({ ...t, status: 'success', finished_at: at(2000) }, name, T0 + 99_000);
    expect(done).toMatch(/^✔ .*2\.0s/);
    expect(taskLine(task({}), name, T0)).toMatch(/created\s+attempt -\s+-\s+-\s+Plan/);
    expect(formatDuration(125_000)).toBe('2m05s');
  });

  it('prints a line on a pipe only when status, attempt or runner change', () => {
    let out = '';
    const p = new RunProgress({ write: (s: string) => ((out += s), true), isTTY: false }, name);
    const run: RunView = { id: 4, status: 'running', task_ids: [1] };
    p.update(run, [task({ status: 'running', attempt: 1, runner_id: 1, started_at: at(0) })], T0 + 100);
    p.update(run, [task({ status: 'running', attempt: 1, runner_id: 1, started_at: at(0) })], T0 + 900);
    p.update(run, [task({ status: 'running', attempt: 2, runner_id: 1, started_at: at(0) })], T0 + 1000);
    p.update(
      { ...run, status: 'success' },
      [task({ status: 'success', attempt: 2, runner_id: 1 })],
      T0 + 1100,
    );
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('run 4 running');
    expect(lines[2]).toMatch(/attempt 2/);
    expect(lines[3]).toMatch(/^  ✔ plan\s+success/);
    expect(lines[4]).toBe('run 4 success');
  });
});

describe('summary', () => {
  it('is ok only for a successful run, and lists triage of each failed task', () => {
    const ok = summarize(
      { id: 1, status: 'success', task_ids: [1] },
      [task({ status: 'success' })],
      name,
      new Map(),
      1000,
    );
    expect(ok.ok).toBe(true);
    expect(ok.text).toMatch(/run 1 success in 1\.0s — 1\/1 tasks succeeded/);
    const failed = task({
      id: 2,
      step_id: 'build',
      status: 'failed',
      attempt: 1,
      runner_id: 1,
      failure_category: 'agent-error',
      failure_triage_hints: ['the agent exited with code 3'],
      suggested_next_actions: ['read the output and rerun the step'],
    });
    const s = summarize(
      { id: 1, status: 'failed', task_ids: [1, 2] },
      [task({ status: 'success' }), failed],
      name,
      new Map([[2, ['boom']]]),
      2000,
    );
    expect(s.ok).toBe(false);
    expect(s.text).toContain('1/2 tasks succeeded');
    expect(s.text).toContain('✖ build (task 2) failed after attempt 1 on runner-1');
    expect(s.text).toContain('category: agent-error');
    expect(s.text).toContain('hint: the agent exited with code 3');
    expect(s.text).toContain('next: read the output and rerun the step');
    expect(s.text).toContain('| boom');
  });
});

describe('e2e oracles', () => {
  const run: RunView = { id: 1, status: 'success', task_ids: [1, 2] };
  const tasks = [
    task({ id: 1, step_id: 'plan', status: 'success', attempt: 1, started_at: at(0), finished_at: at(100) }),
    task({
      id: 2,
      step_id: 'build',
      status: 'success',
      attempt: 1,
      started_at: at(150),
      finished_at: at(300),
    }),
  ];
  const ledger = [
    { task_id: 1, attempt: 1 },
    { task_id: 2, attempt: 1 },
  ];

  it('pass when each step ran once, in order', () => {
    expect(judge(run, tasks, ledger, 'l').every((c) => c.ok)).toBe(true);
  });

  it('fail on a duplicate execution, a missing ledger, a retry, a failed run or wrong order', () => {
    const failing = (checks: ReturnType<typeof judge>) => checks.filter((c) => !c.ok).map((c) => c.name);
    expect(failing(judge(run, tasks, [...ledger, { task_id: 2, attempt: 1 }], 'l'))).toEqual([
      'step build executed exactly once',
      'no other executions',
    ]);
    expect(failing(judge(run, tasks, null, 'l'))).toEqual(['effect ledger exists']);
    expect(failing(judge(run, [tasks[0], { ...tasks[1], attempt: 2 }], ledger, 'l'))).toEqual([
      'step build succeeded on its first attempt',
    ]);
    expect(failing(judge({ ...run, status: 'failed' }, tasks, ledger, 'l'))).toEqual(['run succeeded']);
    const early = { ...tasks[1], started_at: at(50) };
    expect(failing(judge(run, [tasks[0], early], ledger, 'l'))).toEqual([
      'build started after plan finished',
    ]);
  });
});
