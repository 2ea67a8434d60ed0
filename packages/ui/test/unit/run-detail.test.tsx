import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AgentSummary, TaskDetailView } from '../../src/lib/types';
import { TaskDetail } from '../../src/components/run/TaskDetail';
import { RunPage } from '../../src/pages/RunPage';
import { json, mockApi, runView, taskView } from './mockApi';

const agent: AgentSummary = {
  agent: 'claude',
  session_id: 'sess-42',
  model: 'claude-sonnet-4',
  final_message: 'Done: added the endpoint.',
  turns: 7,
  usage: {
    input_tokens: 12_345,
    cached_input_tokens: 10_000,
    cache_creation_input_tokens: 0,
    output_tokens: 2_001,
  },
  cost_usd: 0.0421,
  permission_denials: [{ tool: 'Bash', target: 'rm -rf /' }],
  tool_errors: [{ tool: 'Edit', message: 'file changed on disk', exit_code: null }],
  files_changed: [],
  is_error: false,
  error: null,
  terminal_reason: null,
  verdict: 'ok',
  events: 40,
  noise_lines: 0,
};

const built: TaskDetailView = {
  ...taskView(2, { step_id: 'build', status: 'success', attempt: 2, runner_id: 1 }),
  agent,
  worktree: {
    attempt: 2,
    path: null,
    branch: 'multyagents/run-1/build',
    base_sha: 'a'.repeat(40),
    start_sha: 'a'.repeat(40),
    head_sha: 'c'.repeat(40),
    committed: true,
    pinned_ref: null,
    stats: { files_changed: 2, insertions: 30, deletions: 4, files: ['src/api.ts', 'test/api.test.ts'] },
    conflicts: null,
    conflict_commits: null,
    merged: null,
  },
};

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('run page detail', () => {
  it("shows the selected task's attempts, agent session, files changed and diff, and the run's usage, handoffs and artifacts", async () => {
    mockApi((url) => {
      if (url === '/workflow-runs/1')
        return json({
          ...runView(1, { status: 'success', task_ids: [2] }),
          usage: {
            attempts: 2,
            input_tokens: 20_000,
            cached_input_tokens: 15_000,
            cache_creation_input_tokens: 0,
            output_tokens: 3_000,
            cost_usd: 0.07,
            estimated: true,
            unpriced_attempts: 0,
          },
        });
      if (url.startsWith('/tasks?run_id=1')) return json([built]);
      if (url === '/tasks/2/audit')
        return json({
          task_id: 2,
          attempts: [
            {
              attempt: 1,
              status: 'failed',
              runner_id: 1,
              exit_code: 1,
              failure_category: 'agent_exit',
              session_id: 'sess-41',
              agent: null,
              started_at: null,
              finished_at: null,
              created_at: '',
              message: null,
              task_id: 2,
            },
            {
              attempt: 2,
              status: 'success',
              runner_id: 1,
              exit_code: 0,
              failure_category: null,
              session_id: 'sess-42',
              agent,
              started_at: null,
              finished_at: null,
              created_at: '',
              message: null,
              task_id: 2,
            },
          ],
        });
      if (url === '/tasks/2/diff')
        return json({
          task_id: 2,
          attempt: 2,
          repo_root: '/r',
          from_sha: 'a'.repeat(40),
          to_sha: 'c'.repeat(40),
          files: [{ path: 'src/api.ts', insertions: 30, deletions: 4 }],
          patch: 'diff --git a/src/api.ts b/src/api.ts\n+new line\n',
          truncated: false,
          patch_bytes: 44,
        });
      if (url.startsWith('/tasks/2/logs'))
        return json({ task_id: 2, attempt: 2, status: 'success', done: true, chunks: [], next_seq: 0 });
      if (url === '/handoffs?run_id=1')
        return json([
          {
            id: 9,
            task_id: 2,
            run_id: 1,
            attempt: 2,
            summary: 'Endpoint added',
            details: null,
            next_actions: ['review the API shape'],
            open_questions: ['paginate?'],
            artifacts: [{ artifact_id: 5, is_required: true, note: 'the commit' }],
            created_at: '',
          },
        ]);
      if (url === '/artifacts?run_id=1')
        return json([
          {
            id: 5,
            artifact_type: 'commit',
            location: 'c'.repeat(40),
            summary: 'build result',
            producer_task_id: 2,
            run_id: 1,
            created_at: '',
          },
        ]);
      return undefined;
    });
    render(<RunPage id={1} />);

    const usage = await screen.findByTestId('run-usage');
    expect(usage.textContent).toBe(
      'agents: 2 attempts · tokens in 20,000 (cached 15,000) · out 3,000 · cost $0.07 (partly estimated)',
    );
    const session = await screen.findByRole('region', { name: 'Agent session' });
    expect(within(session).getByText('sess-42')).toBeTruthy();
    expect(within(session).getByText('claude-sonnet-4')).toBeTruthy();
    expect(within(session).getByTestId('tokens-in').textContent).toBe('12,345');
    expect(within(session).getByTestId('tokens-cached').textContent).toBe('10,000');
    expect(within(session).getByTestId('tokens-out').textContent).toBe('2,001');
    expect(within(session).getByTestId('cost').textContent).toBe('$0.04');
    expect(within(session).getByRole('list', { name: 'Permission denials' }).textContent).toBe(
      'Bash rm -rf /',
    );
    expect(within(session).getByRole('list', { name: 'Tool errors' }).textContent).toBe(
      'Edit: file changed on disk',
    );

    const wt = screen.getByRole('region', { name: 'Worktree result' });
    expect(within(wt).getByTestId('worktree-stats').textContent).toBe('2 files, +30 −4');
    expect(within(wt).getByText('multyagents/run-1/build')).toBeTruthy();
    expect(within(wt).getByText('cccccccccc')).toBeTruthy();

    const attempts = await screen.findByRole('table', { name: 'Attempts' });
    await within(attempts).findByText('sess-41');
    expect(within(attempts).getAllByRole('row')).toHaveLength(3);
    expect(within(attempts).getByText('12,345 / 2,001')).toBeTruthy();

    const patch = await screen.findByLabelText('Patch');
    expect(patch.querySelector('.diff-line.diff-add')!.textContent).toBe('+new line\n');

    const handoff = await screen.findByText('Endpoint added');
    const card = handoff.closest('article')!;
    expect(card.textContent).toContain('build (task 2, attempt 2)');
    expect(card.textContent).toContain('review the API shape');
    expect(card.textContent).toContain('paginate?');
    expect(card.textContent).toContain('#5 (required): the commit');
    const artifacts = await screen.findByRole('table', { name: 'Artifacts' });
    expect(within(artifacts).getAllByRole('row')[1]!.textContent).toBe(
      `#5commit${'c'.repeat(40)}build resultbuild`,
    );
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

describe('attempt picker', () => {
  const attemptRow = (attempt: number, worktree: Record<string, unknown> | null) => ({
    task_id: 2,
    attempt,
    status: attempt === 3 ? 'running' : 'failed',
    runner_id: 1,
    exit_code: null,
    failure_category: null,
    session_id: null,
    agent: null,
    started_at: null,
    finished_at: null,
    created_at: '',
    message: null,
    worktree,
  });
  const diffOf = (attempt: number, line: string) =>
    json({
      task_id: 2,
      attempt,
      repo_root: '/r',
      from_sha: 'a'.repeat(40),
      to_sha: String(attempt).repeat(40),
      files: [{ path: 'f.ts', insertions: 1, deletions: 0 }],
      patch: `diff --git a/f.ts b/f.ts\n--- a/f.ts\n+++ b/f.ts\n@@ -0,0 +1 @@\n${line}\n`,
      truncated: false,
      patch_bytes: 60,
    });

  it('shows the files changed and diff of the attempt picked by its radio button, the current one first', async () => {
    // Attempt 2's result is the task's worktree; attempt 1 reported its own (flat, as the runner sent it);
    // attempt 3 (current, running) has reported none yet.
    const task: TaskDetailView = {
      ...taskView(2, { step_id: 'build', status: 'running', attempt: 3, runner_id: 1 }),
      worktree: { ...built.worktree!, attempt: 2 },
    };
    const calls = mockApi((url) => {
      if (url === '/tasks/2/audit')
        return json({
          task_id: 2,
          attempts: [
            attemptRow(1, {
              branch: 'multyagents/run-1/build-a1',
              start_sha: 'a'.repeat(40),
              head_sha: '1'.repeat(40),
              committed: true,
              files_changed: 1,
              insertions: 5,
              deletions: 0,
              files: ['old.ts'],
            }),
            attemptRow(2, null),
            attemptRow(3, null),
          ],
        });
      if (url === '/tasks/2/diff?attempt=1') return diffOf(1, '+from attempt 1');
      if (url === '/tasks/2/diff?attempt=2') return diffOf(2, '+from attempt 2');
      if (url.startsWith('/tasks/2/logs'))
        return json({ task_id: 2, attempt: 3, status: 'running', done: true, chunks: [], next_seq: 0 });
      return undefined;
    });
    render(<TaskDetail task={task} />);
    const table = await screen.findByRole('table', { name: 'Attempts' });
    const radios = within(table).getAllByRole('radio');
    expect(radios.map((r) => r.getAttribute('aria-label'))).toEqual(
      [1, 2, 3].map((n) => `Show attempt ${n}`),
    );
    // Default: the current attempt, which has no worktree yet: a note, and no diff asked for.
    expect(radios.map((r) => (r as HTMLInputElement).checked)).toEqual([false, false, true]);
    expect(within(table).getByText('3 (current)')).toBeTruthy();
    expect(screen.getByTestId('attempt-no-worktree').textContent).toContain(
      'Attempt 3 has reported no worktree yet',
    );
    expect(screen.queryByRole('region', { name: 'Worktree result' })).toBeNull();
    expect(within(table).getAllByRole('row')[3]!.textContent).toContain('no files reported');

    // Attempt 1: its own report, in the files-changed card, and its diff by ?attempt=1.
    fireEvent.click(radios[0]!);
    const wt = await screen.findByRole('region', { name: 'Worktree result' });
    expect(within(wt).getByTestId('worktree-stats').textContent).toBe('1 file, +5 −0');
    expect(within(wt).getByText('multyagents/run-1/build-a1')).toBeTruthy();
    expect(within(wt).getByText('old.ts')).toBeTruthy();
    const patch1 = await screen.findByLabelText('Patch');
    expect(patch1.querySelector('.diff-line.diff-add')!.textContent).toBe('+from attempt 1\n');
    expect(screen.getByText(/attempt 1 · 1 file/)).toBeTruthy();
    expect(screen.queryByTestId('attempt-no-worktree')).toBeNull();

    // Attempt 2: the task's worktree (the normalised copy) and ?attempt=2.
    fireEvent.click(radios[1]!);
    await waitFor(() => expect(screen.getByTestId('worktree-stats').textContent).toBe('2 files, +30 −4'));
    await waitFor(() =>
      expect(screen.getByLabelText('Patch').querySelector('.diff-line.diff-add')!.textContent).toBe(
        '+from attempt 2\n',
      ),
    );
    expect((radios[1] as HTMLInputElement).checked).toBe(true);
    expect(calls.filter((c) => c.url.includes('/diff')).map((c) => c.url)).toEqual([
      '/tasks/2/diff?attempt=1',
      '/tasks/2/diff?attempt=2',
    ]);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('has no picker for a task with one attempt that never worked in a worktree', async () => {
    mockApi((url) => {
      if (url === '/tasks/5/audit') return json({ task_id: 5, attempts: [attemptRow(1, null)] });
      if (url.startsWith('/tasks/5/logs'))
        return json({ task_id: 5, attempt: 1, status: 'failed', done: true, chunks: [], next_seq: 0 });
      return undefined;
    });
    render(<TaskDetail task={taskView(5, { status: 'failed', attempt: 1 })} />);
    const table = await screen.findByRole('table', { name: 'Attempts' });
    expect(within(table).queryAllByRole('radio')).toHaveLength(0);
    expect(within(table).queryByText('Shown')).toBeNull();
    expect(screen.queryByTestId('attempt-no-worktree')).toBeNull();
    expect(screen.queryByRole('region', { name: /^Diff of task/ })).toBeNull();
  });

  it('picks the attempt whose agent session and log are shown for an agent step without a worktree', async () => {
    const first: AgentSummary = {
      ...agent,
      session_id: 'sess-first',
      verdict: 'agent-error',
      is_error: true,
      error: 'rate limited',
      cost_usd: 0.01,
    };
    const task: TaskDetailView = {
      ...taskView(6, { step_id: 'plan', status: 'success', attempt: 2, runner_id: 1 }),
      agent,
    };
    const calls = mockApi((url) => {
      if (url === '/tasks/6/audit')
        return json({
          task_id: 6,
          attempts: [
            { ...attemptRow(1, null), task_id: 6, session_id: 'sess-first', agent: first },
            { ...attemptRow(2, null), task_id: 6, status: 'success', session_id: 'sess-42', agent },
          ],
        });
      const log = /^\/tasks\/6\/logs\?attempt=(\d)/.exec(url);
      if (log)
        return json({
          task_id: 6,
          attempt: Number(log[1]),
          status: 'success',
          done: true,
          // The first read has the output; the follow-up reads find nothing more and the task done.
          chunks: url.includes('after_seq')
            ? []
            : [{ seq: 0, stream: 'stdout', data: `output of attempt ${log[1]}\n`, created_at: '' }],
          next_seq: 1,
        });
      return undefined;
    });
    render(<TaskDetail task={task} />);
    const table = await screen.findByRole('table', { name: 'Attempts' });
    const radios = within(table).getAllByRole('radio');
    expect(radios.map((r) => r.getAttribute('aria-label'))).toEqual(['Show attempt 1', 'Show attempt 2']);
    expect(radios.map((r) => (r as HTMLInputElement).checked)).toEqual([false, true]);
    // No worktree: the rows say nothing about files.
    expect(within(table).queryByText(/files/)).toBeNull();
    let session = screen.getByRole('region', { name: 'Agent session' });
    expect(within(session).getByRole('heading', { level: 4 }).textContent).toMatch(/^Agent session ok/);
    expect(within(session).getByText('sess-42')).toBeTruthy();
    expect(await screen.findByText(/output of attempt 2/)).toBeTruthy();

    fireEvent.click(radios[0]!);
    session = screen.getByRole('region', { name: 'Agent session' });
    expect(within(session).getByRole('heading', { level: 4 }).textContent).toMatch(
      /^Agent session of attempt 1 agent-error/,
    );
    expect(within(session).getByText('sess-first')).toBeTruthy();
    expect(within(session).getByText('rate limited')).toBeTruthy();
    expect(await screen.findByText(/output of attempt 1/)).toBeTruthy();
    expect(screen.queryByText(/output of attempt 2/)).toBeNull();
    expect(calls.some((c) => c.url.includes('/diff'))).toBe(false);
    const logReads = calls.filter((c) => c.url.startsWith('/tasks/6/logs')).map((c) => c.url.split('&')[0]);
    expect([...new Set(logReads)]).toEqual(['/tasks/6/logs?attempt=2', '/tasks/6/logs?attempt=1']);
  });
});
