import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { processEnv, type Env } from '../../config/env.js';
import { operatorClient } from '../client.js';
import { stackComponents } from '../components.js';
import { action } from '../errors.js';
import { launchApi, launchRunner } from '../launch.js';
import { freePort } from '../ports.js';
import { isTerminalRun } from '../progress.js';
import { sleep } from '../procs.js';
import { applyWorkflow, runTasks, startRun, type RunView, type TaskView } from '../runApi.js';
import { apiUrl, runnerUrl, stackPaths, writeStack, type StackSettings } from '../stack.js';
import { parseSeconds } from '../validate.js';
import { WorkflowFile } from '../workflowFile.js';
import { stopComponent } from './down.js';

/** The two-step workflow e2e drives through the real runner (the mock agent, a short duration). */
export const E2E_WORKFLOW = WorkflowFile.parse({
  name: 'e2e two-step',
  roles: [{ name: 'e2e-agent', system_prompt: 'You are the e2e check agent.' }],
  steps: [
    {
      id: 'plan',
      role: 'e2e-agent',
      title: 'Plan the change',
      executor_params: { mock: { duration_ms: 200, lines: ['plan: done'] } },
    },
    {
      id: 'build',
      role: 'e2e-agent',
      title: 'Build the change',
      depends_on: ['plan'],
      executor_params: { mock: { duration_ms: 200, lines: ['build: done'] } },
    },
  ],
});

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface LedgerEntry {
  task_id: number;
  attempt?: number;
}

export function readLedger(file: string): LedgerEntry[] | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as LedgerEntry);
}

/** The oracles: the run succeeded, every step ran once, in dependency order, and the ledger agrees. */
export function judge(
  run: RunView,
  tasks: TaskView[],
  ledger: LedgerEntry[] | null,
  ledgerFile: string,
): Check[] {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  add('run succeeded', run.status === 'success', `run ${run.id} is ${run.status}`);
  add('one task per step', tasks.length === 2, `${tasks.length} tasks for 2 steps`);
  for (const t of tasks) {
    add(
      `step ${t.step_id} succeeded on its first attempt`,
      t.status === 'success' && t.attempt === 1,
      `status ${t.status}, attempt ${t.attempt ?? '-'}`,
    );
  }
  const plan = tasks.find((t) => t.step_id === 'plan');
  const build = tasks.find((t) => t.step_id === 'build');
  if (plan?.finished_at && build?.started_at) {
    add(
      'build started after plan finished',
      Date.parse(build.started_at) >= Date.parse(plan.finished_at),
      `plan finished ${plan.finished_at}, build started ${build.started_at}`,
    );
  }
  if (!ledger) {
    add('effect ledger exists', false, `no effect ledger at ${ledgerFile}`);
    return checks;
  }
  for (const t of tasks) {
    const n = ledger.filter((e) => e.task_id === t.id).length;
    add(
      `step ${t.step_id} executed exactly once`,
      n === 1,
      `${n} execution(s) of task ${t.id} in the ledger`,
    );
  }
  add('no other executions', ledger.length === tasks.length, `${ledger.length} ledger entries`);
  return checks;
}

export async function e2e(opts: { keep?: boolean; timeout?: string }, env: Env): Promise<number> {
  const timeoutMs = parseSeconds('--timeout', opts.timeout, 120) * 1000;
  const say = (line: string) => process.stderr.write(`[e2e] ${line}\n`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'multyagents-e2e-'));
  const apiPort = await freePort();
  let runnerPort = await freePort();
  while (runnerPort === apiPort) runnerPort = await freePort();
  const s: StackSettings = {
    version: 1,
    data_dir: dir,
    host: '127.0.0.1',
    api_port: apiPort,
    runner_port: runnerPort,
    runners: 1,
    dispatch: 'auto',
    runner_auth: 'on',
    executor: 'mock',
    updated_at: new Date().toISOString(),
  };
  // A stack file like `up` writes: `multyagents down --data-dir <dir>` can clean up by hand.
  fs.mkdirSync(stackPaths(dir).logsDir, { recursive: true });
  writeStack(s);
  // Hermetic: no MULTYAGENTS_* setting of the caller (a database URL, faults, a token) leaks in.
  const childEnv = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('MULTYAGENTS_')));
  const timings: Record<string, number> = {};
  const checks: Check[] = [];
  let run: RunView | null = null;
  let tasks: TaskView[] = [];
  const teardown = async () => {
    const t0 = Date.now();
    const comps = stackComponents(dir, s).reverse();
    for (const c of comps) {
      const line = await stopComponent(c, 15, false);
      if (line) say(line);
    }
    timings.teardown_ms = Date.now() - t0;
  };
  const onSignal = () => {
    say('interrupted: tearing down');
    void teardown().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let t0 = Date.now();
    say(`private stack in ${dir}: API port ${apiPort}, runner port ${runnerPort}`);
    await launchApi(s, childEnv);
    const api = operatorClient(apiUrl(s), childEnv);
    await launchRunner(s, 1, childEnv, api);
    timings.startup_ms = Date.now() - t0;
    t0 = Date.now();
    const applied = await applyWorkflow(api, E2E_WORKFLOW);
    run = await startRun(api, applied.template_id);
    say(`run ${run.id} started`);
    while (!isTerminalRun(run.status) && Date.now() - t0 < timeoutMs) {
      await sleep(200);
      run = await api.get<RunView>(`/workflow-runs/${run.id}`);
    }
    tasks = await runTasks(api, run.id);
    timings.run_ms = Date.now() - t0;
    if (!isTerminalRun(run.status)) {
      checks.push({
        name: 'run finished in time',
        ok: false,
        detail: `still ${run.status} after ${timeoutMs}ms`,
      });
    }
  } catch (err) {
    checks.push({ name: 'stack and run', ok: false, detail: (err as Error).message });
  } finally {
    await teardown();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const ledgerFile = path.join(stackPaths(dir).runnerDataDir(1), 'effects.jsonl');
  if (run) checks.push(...judge(run, tasks, readLedger(ledgerFile), ledgerFile));
  const ok = checks.length > 0 && checks.every((c) => c.ok);
  const keep = Boolean(opts.keep) || !ok;
  const summary = {
    ok,
    checks,
    run: run ? { id: run.id, status: run.status } : null,
    tasks: tasks.map((t) => ({
      step_id: t.step_id,
      status: t.status,
      attempt: t.attempt,
      runner_id: t.runner_id,
    })),
    ledger: { file: ledgerFile, entries: readLedger(ledgerFile)?.length ?? null },
    stack: { data_dir: dir, api_url: apiUrl(s), runner_url: runnerUrl(s, 1), kept: keep },
    timings_ms: timings,
  };
  if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  if (!ok && !opts.keep) say(`kept ${dir} for diagnosis (logs in ${stackPaths(dir).logsDir})`);
  process.stdout.write(`[e2e] ${ok ? 'PASS' : 'FAIL'}\n`);
  return ok ? 0 : 1;
}

export function registerE2eCommand(program: Command): void {
  program
    .command('e2e')
    .description(
      'start a private API + runner on free loopback ports, run a two-step workflow, check, tear down',
    )
    .option('--keep', 'keep the temporary data dir (kept anyway when the check fails)')
    .option('--timeout <seconds>', 'how long the run may take (default 120)')
    .addHelpText(
      'after',
      '\nPrints a JSON summary (checks, tasks, effect ledger, timings) and a last line [e2e] PASS or [e2e] FAIL;\n' +
        'exit code 0 only on PASS. Touches nothing outside a fresh temp dir and two free loopback ports.\n',
    )
    .action(action(async (opts: { keep?: boolean; timeout?: string }) => e2e(opts, processEnv())));
}
