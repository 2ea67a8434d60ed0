import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import {
  CODEX_SIM_MODEL,
  claudeSimEnv,
  codexSimConfigToml,
  ensureAgentClis,
  isolatedBaseEnv,
  offlineGuardEnv,
  startAgentSim,
  type AgentSim,
} from '../../agentsim/index.js';
import { resolveAgentCliCacheRoot } from '../../config/agentClis.js';
import { processEnv, type Env } from '../../config/env.js';
import { operatorClient } from '../client.js';
import { stackComponents } from '../components.js';
import { DEMO_STEPS, demoWorkflow } from '../demoAgents.js';
import { action, usageError } from '../errors.js';
import { launchApi, launchRunner } from '../launch.js';
import { freePort } from '../ports.js';
import { isTerminalRun, RunProgress } from '../progress.js';
import { sleep } from '../procs.js';
import { applyWorkflow, runTasks, startRun, type RunView, type TaskView } from '../runApi.js';
import { apiUrl, stackPaths, writeStack, type StackSettings } from '../stack.js';
import { parseSeconds } from '../validate.js';
import { stopComponent } from './down.js';

const SCRIPTED =
  'the model is SCRIPTED (agentsim on 127.0.0.1): no vendor model, no API key, nothing leaves loopback; ' +
  'the agent CLIs are real';

const git = (repo: string, args: string[]) =>
  execFileSync('git', ['-c', 'user.name=demo', '-c', 'user.email=demo@localhost', ...args], {
    cwd: repo,
    encoding: 'utf8',
  });

/** The runner's environment: the caller's PATH and locale only, the CLI pointed at the scripted server. */
function agentEnv(kind: 'claude' | 'codex', env: Env, dir: string, sim: AgentSim, bin: string): Env {
  const home = path.join(dir, 'home');
  fs.mkdirSync(home, { recursive: true });
  const base = { ...isolatedBaseEnv(env), ...offlineGuardEnv(), HOME: home };
  if (kind === 'claude') {
    const sims = claudeSimEnv({ home, tmpdir: os.tmpdir(), baseUrl: sim.url });
    return { ...base, ...sims, TMPDIR: os.tmpdir(), MULTYAGENTS_CLAUDE_BIN: bin };
  }
  // The runner copies $CODEX_HOME/config.toml into each attempt's home.
  const codexHome = path.join(dir, 'codex-home');
  fs.mkdirSync(codexHome, { recursive: true });
  fs.writeFileSync(path.join(codexHome, 'config.toml'), codexSimConfigToml(sim.openaiBaseUrl));
  return {
    ...base,
    CODEX_HOME: codexHome,
    MULTYAGENTS_CODEX_BIN: bin,
    MULTYAGENTS_CODEX_ARGS: JSON.stringify(['-m', CODEX_SIM_MODEL]),
  };
}

interface DemoOpts {
  agent?: string;
  keep?: boolean;
  timeout?: string;
}

export async function demoAgents(opts: DemoOpts, env: Env): Promise<number> {
  const kind = opts.agent ?? 'claude';
  if (kind !== 'claude' && kind !== 'codex')
    throw usageError(`--agent must be claude or codex, got "${kind}"`);
  const timeoutMs = parseSeconds('--timeout', opts.timeout, 300) * 1000;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`[demo] ${SCRIPTED}`);
  const clis = await ensureAgentClis({
    cacheRoot: resolveAgentCliCacheRoot(env),
    log: (line) => out(`[demo] ${line}`),
  });
  out(`[demo] ${kind} ${clis.versions[kind]} at ${clis[kind]}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'multyagents-demo-'));
  const repo = path.join(dir, 'repo');
  fs.mkdirSync(repo);
  git(repo, ['init', '-q']);
  fs.writeFileSync(path.join(repo, 'README.md'), '# demo project\n');
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-qm', 'initial commit (by the demo)']);
  const sim = await startAgentSim();
  for (const s of DEMO_STEPS) sim.script(s.marker, s.script);
  const apiPort = await freePort();
  let runnerPort = await freePort();
  while (runnerPort === apiPort) runnerPort = await freePort();
  const s: StackSettings = {
    version: 1,
    data_dir: path.join(dir, 'stack'),
    host: '127.0.0.1',
    api_port: apiPort,
    runner_port: runnerPort,
    runners: 1,
    dispatch: 'auto',
    runner_auth: 'on',
    executor: kind,
    updated_at: new Date().toISOString(),
  };
  fs.mkdirSync(stackPaths(s.data_dir).logsDir, { recursive: true });
  writeStack(s);
  const childEnv = agentEnv(kind, env, dir, sim, clis[kind]);
  let run: RunView | null = null;
  let tasks: TaskView[] = [];
  let error: string | null = null;
  const teardown = async () => {
    for (const c of stackComponents(s.data_dir, s).reverse()) await stopComponent(c, 15, false);
    await sim.close();
  };
  const onSignal = () => void teardown().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    out(`[demo] project: a fresh git repository at ${repo}`);
    out(`[demo] private API :${apiPort} + runner :${runnerPort} (--executor ${kind}), data in ${s.data_dir}`);
    out(
      '[demo] isolated-worktree: each step works in its own git worktree, its changes are committed, and the run merges them into the branch',
    );
    await launchApi(s, childEnv);
    const api = operatorClient(apiUrl(s), childEnv);
    await launchRunner(s, 1, childEnv, api);
    await api.post('/projects', { name: 'demo', root_path: repo });
    const applied = await applyWorkflow(api, demoWorkflow('demo'));
    run = await startRun(api, applied.template_id);
    const progress = new RunProgress(process.stdout, () => `${kind} runner`);
    const t0 = Date.now();
    for (;;) {
      run = await api.get<RunView>(`/workflow-runs/${run.id}`);
      tasks = await runTasks(api, run.id);
      progress.update(run, tasks);
      if (isTerminalRun(run.status) || Date.now() - t0 > timeoutMs) break;
      await sleep(250);
    }
    if (!isTerminalRun(run.status)) error = `run still ${run.status} after ${timeoutMs / 1000}s`;
  } catch (err) {
    error = (err as Error).message;
  } finally {
    await teardown();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  let ok = run?.status === 'success' && !error;
  out('');
  for (const step of DEMO_STEPS) {
    const t = tasks.find((x) => x.step_id === step.id);
    const a = (t?.agent ?? null) as Record<string, any> | null;
    const files = step.files.map((f) => `${f}${fs.existsSync(path.join(repo, f)) ? '' : ' (MISSING)'}`);
    if (step.files.some((f) => !fs.existsSync(path.join(repo, f)))) ok = false;
    out(`[demo] ${step.id}: ${t?.status ?? 'not run'}; wrote ${files.join(', ')}`);
    if (a) {
      const u = a.usage as { input_tokens: number; output_tokens: number } | null;
      out(
        `         session ${a.session_id}, ${a.turns} turn(s), ${u?.input_tokens ?? 0} in / ${u?.output_tokens ?? 0} out tokens`,
      );
      out(`         said: ${String(a.final_message ?? '').slice(0, 200)}`);
    }
    if (t?.failure_category)
      out(`         failed: ${t.failure_category}: ${(t.failure_triage_hints ?? []).join('; ')}`);
  }
  const branch = git(repo, ['symbolic-ref', '--short', 'HEAD']).trim();
  const merged = (run?.worktree as { merged_sha?: string | null } | null | undefined)?.merged_sha ?? null;
  const merge = tasks.find((t) => (t as { kind?: string }).kind === 'merge');
  out(
    `[demo] merge: ${merge?.status ?? 'not run'}${merged ? `; ${branch} is now ${merged.slice(0, 12)}` : ''}`,
  );
  if (!merged || git(repo, ['rev-parse', branch]).trim() !== merged) ok = false;
  out(`\n[demo] git log --stat ${branch}`);
  out(git(repo, ['log', '--stat', branch]).trimEnd());
  const status = git(repo, ['status', '--short', '--untracked-files=all']).trimEnd();
  out(
    `\n[demo] git status --short: ${status ? `\n${status}` : 'clean (the checkout came along with the merge)'}`,
  );
  if (error) out(`\n[demo] error: ${error}`);
  const keep = Boolean(opts.keep) || !ok;
  if (keep) out(`[demo] kept ${dir} (logs in ${stackPaths(s.data_dir).logsDir})`);
  else fs.rmSync(dir, { recursive: true, force: true });
  out(`[demo] again: ${SCRIPTED}`);
  out(`[demo] ${ok ? 'PASS' : 'FAIL'}`);
  return ok ? 0 : 1;
}

export function registerDemoCommand(program: Command): void {
  const demo = program.command('demo').description('demonstrations that run on this machine, offline');
  demo
    .command('agents')
    .description(
      'plan → build → review with the real claude (or codex) CLI against a scripted model server: real edits in a temp git repo',
    )
    .option('--agent <name>', 'claude | codex (default claude)')
    .option('--keep', 'keep the temporary directory (kept anyway when the demo fails)')
    .option('--timeout <seconds>', 'how long the run may take (default 300)')
    .addHelpText(
      'after',
      '\nInstalls the pinned CLIs on first use (~800 MB, cached; needs the npm registry once). The model is\n' +
        'scripted: no vendor model, no key, nothing leaves 127.0.0.1. Exit code 0 only when the run\n' +
        'succeeded and every file the agents were to write exists.\n',
    )
    .action(action(async (opts: DemoOpts) => demoAgents(opts, processEnv())));
}
