import { describe, expect, it } from 'vitest';
import { failedSelection } from '../../src/cli/commands/runs.js';
import { logFollower } from '../../src/cli/commands/tasks.js';
import {
  approvalsTable,
  runDetail,
  runnersTable,
  runsTable,
  table,
  taskDetail,
} from '../../src/cli/operatorViews.js';
import type { RunView, TaskView } from '../../src/cli/runApi.js';

const name = (id: number) => (id === 1 ? 'runner-1' : `runner#${id}`);
const NOW = Date.parse('2026-12-06T08:00:00.000Z');

function task(over: Partial<TaskView>): TaskView {
  return {
    id: 1,
    status: 'success',
    attempt: 1,
    runner_id: 1,
    step_id: 'plan',
    title: 'Plan',
    started_at: '2026-12-06T07:59:58.000Z',
    finished_at: '2026-12-06T07:59:59.500Z',
    failure_category: null,
    failure_step: null,
    failure_triage_hints: [],
    suggested_next_actions: [],
    ...over,
  };
}

describe('operator views', () => {
  it('table pads every column but the last', () => {
    expect(
      table(
        ['ID', 'NAME'],
        [
          ['1', 'a'],
          ['10', 'bb'],
        ],
      ),
    ).toBe('ID  NAME\n1   a\n10  bb\n');
  });

  it('runs list: one row per run; an empty list says so', () => {
    expect(runsTable([])).toBe('no runs\n');
    const run = {
      id: 3,
      status: 'failed',
      task_ids: [1, 2],
      duration_ms: 1500,
      workflow_template_id: 2,
      created_at: '2026-12-06T07:59:58.000Z',
      initiated_by: 'cli',
    } as RunView;
    expect(runsTable([run])).toBe(
      'ID  STATUS  TASKS  DURATION  TEMPLATE  CREATED                   BY\n' +
        '3   failed  2      1.5s      2         2026-12-06T07:59:58.000Z  cli\n',
    );
  });

  it('runs show: tasks with status, attempt, runner, duration; triage of failures; run hints not repeated', () => {
    const failed = task({
      id: 2,
      step_id: 'build',
      title: 'Build',
      status: 'failed',
      failure_category: 'agent-error',
      failure_step: 'run',
      message: 'agent exited with code 3',
      failure_triage_hints: ['output: error: boom'],
      suggested_next_actions: ['adjust the prompt and rerun'],
    });
    const run = {
      id: 3,
      status: 'failed',
      task_ids: [1, 2],
      failure_triage_hints: ['output: error: boom', 'Retry budget exhausted'],
      suggested_next_actions: ['adjust the prompt and rerun'],
    } as unknown as RunView;
    const text = runDetail(run, [task({}), failed], name, NOW);
    expect(text).toContain('tasks  1/2 succeeded');
    expect(text).toMatch(/✔ plan +success +attempt 1 +runner-1 +1\.5s +Plan +\(task 1\)/);
    expect(text).toMatch(/✖ build +failed +attempt 1 +runner-1/);
    expect(text).toContain(
      'build (task 2) failed:\n    category: agent-error (step run)\n    message: agent exited with code 3',
    );
    expect(text).toContain('    hint: output: error: boom\n    next: adjust the prompt and rerun');
    expect(text).toContain('run triage:\n    hint: Retry budget exhausted\n');
    expect(text.match(/output: error: boom/g)).toHaveLength(1);
  });

  it('tasks show: state, approval, agent summary, last output lines', () => {
    const text = taskDetail(
      task({
        run_id: 3,
        requires_approval: true,
        approval_id: 4,
        approval_status: 'approved',
        exit_code: 0,
        output_tail: 'a\nb\n\nc\n',
        agent: {
          agent: 'claude',
          session_id: 's-1',
          turns: 3,
          usage: { input_tokens: 10, output_tokens: 5 },
          cost_usd: 0.01,
          files_changed: ['x.ts'],
          verdict: 'ok',
        },
      }),
      name,
      NOW,
      2,
    );
    expect(text).toContain(
      'task 1  success  Plan\n  run 3  step plan  attempt 1  retries used 0\n  runner runner-1  duration 1.5s  exit code 0',
    );
    expect(text).toContain('  approval 4: approved');
    expect(text).toContain(
      'agent claude  session s-1  turns 3  tokens 10 in / 5 out  cost $0.0100  verdict ok',
    );
    expect(text).toContain('files changed: x.ts');
    expect(text).toContain('  last output:\n    | b\n    | c\n');
  });

  it('approvals and runners tables', () => {
    expect(approvalsTable([])).toBe('no approvals\n');
    expect(
      approvalsTable([
        {
          id: 1,
          task_id: 6,
          status: 'approved',
          run_id: 3,
          step_id: 'plan',
          task_status: 'success',
          decided_by: 'ann',
          comment: 'ok',
          task_title: 'Plan',
        },
      ]),
    ).toContain('1   approved  3    6     plan  success      ann (ok)    Plan');
    expect(runnersTable([], NOW)).toBe('no runners registered\n');
    const text = runnersTable(
      [
        {
          id: 1,
          name: 'runner-1',
          url: 'http://127.0.0.1:9',
          liveness: 'online',
          draining: true,
          capacity: 4,
          active_attempts: 2,
          labels: ['gpu'],
          executor: 'mock',
          last_seen_at: '2026-12-06T07:59:59.000Z',
        },
      ],
      NOW,
    );
    expect(text).toContain(
      '1   runner-1  online (draining)  2/4            mock      gpu     1.0s ago   http://127.0.0.1:9',
    );
    const lost = runnersTable(
      [{ id: 2, name: 'runner-2', url: 'http://127.0.0.1:8', liveness: 'unreachable', lost: true }],
      NOW,
    );
    expect(lost).toMatch(/^2\s+runner-2\s+unreachable \(lost\)\s+0\/\?/m);
  });
});

describe('runs rerun --failed', () => {
  it('selects what did not succeed, leaving out the tasks the fail-fast canceled (the API resets those)', () => {
    const tasks = [
      task({ id: 1, status: 'success' }),
      task({ id: 2, status: 'failed' }),
      task({ id: 3, status: 'submit-failed' }),
      task({ id: 4, status: 'canceled', failure_step: 'cancel' }),
      task({ id: 5, status: 'canceled', failure_step: 'run-failed' }),
      task({ id: 6, status: 'created' }),
    ];
    expect(failedSelection(tasks)).toEqual([2, 3, 4]);
  });
});

describe('tasks logs -f', () => {
  const page = (attempt: number, seqs: number[], done = false) => ({
    task_id: 1,
    attempt,
    status: done ? 'success' : 'running',
    done,
    chunks: seqs.map((seq) => ({ seq, stream: 'stdout', data: `${attempt}.${seq}\n` })),
    next_seq: seqs.length ? seqs[seqs.length - 1]! : 0,
    output_tail: null,
  });

  it('pages forward, starts a new attempt from its beginning, ends once the task ended and all was read', () => {
    const f = logFollower(1, 2);
    expect(f.query()).toBe('after_seq=2&follow=1');
    expect(f.take(page(1, [3, 4]))).toBe('1.3\n1.4\n');
    expect(f.query()).toBe('after_seq=4&follow=1');
    // The task moved to attempt 2: a header, and the next request starts that attempt at its start.
    expect(f.take(page(2, [5, 6]))).toBe('--- attempt 2 ---\n');
    expect(f.query()).toBe('after_seq=0&follow=1');
    expect(f.take(page(2, [1, 2]))).toBe('2.1\n2.2\n');
    expect(f.finished).toBe(false);
    expect(f.take(page(2, [], true))).toBe('');
    expect(f.finished).toBe(true);
  });
});
