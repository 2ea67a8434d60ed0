import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '@multyagents/control-plane/internal/cli/ports.js';
import type { BenchClient } from './http.js';
import { CliChild, hermeticEnv, sleep } from './procs.js';
import type { BenchStack, RunnerProc } from './stack.js';

/**
 * Runners of the `command` executor for the isolated-worktree metrics (B10, B12): the stack's own
 * `addRunner` starts mock-executor runners only. The runner joins `stack.runners`, so the stack's
 * dispose stops it like the others.
 */
export interface CommandRunnerSpec {
  /** The agent: argv as the runner's `--command-argv` (the prompt comes in MULTYAGENTS_PROMPT). */
  argv: string[];
  sandbox: 'auto' | 'bwrap' | 'off';
  keepWorktrees: 'on-failure' | 'always';
  capacity: number;
  /** A name suffix, so several runners of one stack are told apart in the logs. */
  tag: string;
}

export interface CommandRunner extends RunnerProc {
  worktreesDir: string;
  spec: CommandRunnerSpec;
}

export async function addCommandRunner(stack: BenchStack, spec: CommandRunnerSpec): Promise<CommandRunner> {
  const index = stack.runners.length + 1;
  const port = await freePort();
  const name = `bench-runner-${index}-${spec.tag}`;
  const dataDir = path.join(stack.dir, 'runners', `runner-${index}`);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const worktreesDir = path.join(dataDir, 'worktrees');
  const ledger = path.join(dataDir, 'effects.jsonl');
  const args = ['runner', '--port', String(port), '--api', stack.apiUrl, '--data-dir', dataDir];
  args.push('--executor', 'command', '--command-argv', JSON.stringify(spec.argv));
  args.push('--command-prompt-via', 'env', '--capacity', String(spec.capacity), '--name', name);
  args.push('--sandbox', spec.sandbox, '--keep-worktrees', spec.keepWorktrees);
  args.push('--worktrees-dir', worktreesDir, '--ledger', ledger);
  args.push('--log-file', path.join(stack.dir, 'logs', `${name}.log`));
  const child = new CliChild(
    args,
    path.join(stack.dir, 'logs', `${name}.out`),
    hermeticEnv({ MULTYAGENTS_RUNNER_TOKEN_FILE: stack.tokenFile }),
    stack.opts.nodeArgs,
  );
  const r: CommandRunner = { index, name, port, child, ledger, dataDir, worktreesDir, spec };
  stack.runners.push(r);
  await stack.waitRunnerOnline(r);
  return r;
}

/** A project on `repo` and a one-step isolated-worktree template with no merge task; its id. */
export async function worktreeTemplate(api: BenchClient, repo: string, tag: string): Promise<number> {
  const project = await api.post<{ id: number }>('/projects', { name: `bench-${tag}`, root_path: repo });
  const role = await api.post<{ id: number }>('/roles', { name: `bench-wt-${tag}` });
  const tpl = await api.post<{ id: number }>('/workflow-templates', {
    name: `bench one step in a worktree (${tag})`,
    project_id: project.id,
    execution_mode: 'isolated-worktree',
    merge: { enabled: false },
    steps: [{ step_id: 'agent', role_id: role.id, title: 'bench agent', timeout_seconds: 120 }],
  });
  return tpl.id;
}

export interface RunView {
  id: number;
  status: string;
  task_ids: number[];
}

export interface TaskView {
  id: number;
  status: string;
  worktree?: { path: string | null; committed?: boolean } | null;
  failure_category?: string | null;
  last_error?: string | null;
}

const TERMINAL = new Set(['success', 'failed', 'canceled']);

/** Poll the run every `pollMs` until it is terminal; throws after `timeoutMs`. */
export async function waitRunDone(
  api: BenchClient,
  runId: number,
  timeoutMs: number,
  pollMs = 20,
): Promise<RunView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await api.get<RunView>(`/workflow-runs/${runId}`);
    if (TERMINAL.has(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} not finished within ${timeoutMs} ms`);
    await sleep(pollMs);
  }
}

/** The run's one step task, with a readable reason when it did not succeed. */
export async function stepTask(api: BenchClient, run: RunView): Promise<TaskView> {
  const task = await api.get<TaskView>(`/tasks/${run.task_ids[0]}`);
  if (run.status !== 'success')
    throw new Error(`run ${run.id} ended ${run.status}: ${JSON.stringify(task).slice(0, 600)}`);
  return task;
}

/** Wait (bounded) until `p` is gone: the runner removes a succeeded worktree after it reported. */
export async function waitGone(p: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (fs.existsSync(p)) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

/** Where the runner keeps an attempt's prompt and result files (the agent writes beside them). */
export const attemptDir = (runnerDataDir: string, taskId: number, attempt = 1): string =>
  path.join(runnerDataDir, 'attempts', `task-${taskId}-attempt-${attempt}`);
