import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import {
  CODEX_SIM_MODEL,
  claudeSimEnv,
  codexSimConfigToml,
  offlineGuardEnv,
  startAgentSim,
  type AgentClis,
  type AgentSim,
} from '../../src/agentsim/index.js';
import {
  AGENT_CLI_INSTALL_BOUND_MS,
  agentClisForTests,
  codexDaemonDirCleanup,
  simWorkspace,
} from './agentsim.js';
import { freePort, http, pidsMatching, startApiProc, startRunnerProc, waitFor, type Proc } from './procs.js';

/**
 * The process tests that run the product's codex/claude executors with the REAL pinned CLIs against
 * the scripted model server: one suite lifecycle (CLIs, server, temp root, processes, cleanup) and a
 * real API + runner per CLI. Call `realAgentSuite()` at the top of a test file.
 */
export const RUN_BOUND_MS = 90_000;

export interface Stack {
  base: string;
  repo: string;
  runnerDir: string;
  projectId: number;
  /** SIGKILL the runner (as a crash would) and start it again on the same data dir and port. */
  crashRunner(): Promise<void>;
}

type Step = { step_id: string; title: string; description: string; depends_on?: string[] };

export interface RealAgentSuite {
  readonly sim: AgentSim;
  readonly clis: AgentClis;
  /** API + one runner driving the real `kind` CLI, and a fresh git repository registered as the project. */
  stack(kind: 'claude' | 'codex', name?: string): Promise<Stack>;
  /** Create a role and a template of `steps` in the project, start a run, wait (bounded) until it ends. */
  runWorkflow(
    s: Stack,
    role: Record<string, unknown>,
    steps: Step[],
    template?: Record<string, unknown>,
  ): Promise<{ run: Record<string, any>; tasks: Array<Record<string, any>> }>;
  /** The same, without waiting: the run's id. */
  startWorkflow(
    s: Stack,
    role: Record<string, unknown>,
    steps: Step[],
    template?: Record<string, unknown>,
  ): Promise<number>;
  /** Wait (bounded) until run `id` ends; the run and its tasks. */
  waitRun(s: Stack, id: number): Promise<{ run: Record<string, any>; tasks: Array<Record<string, any>> }>;
}

export function realAgentSuite(tag: string): RealAgentSuite {
  let clis: AgentClis;
  let sim: AgentSim;
  let root: string;
  const procs: Proc[] = [];
  const cleanCodexDaemonDir = codexDaemonDirCleanup();

  beforeAll(async () => {
    clis = await agentClisForTests(tag);
    sim = await startAgentSim();
    root = fs.mkdtempSync(path.join(os.tmpdir(), `ma-${tag}-`));
  }, AGENT_CLI_INSTALL_BOUND_MS);

  afterAll(async () => {
    for (const p of procs.splice(0)) await p.kill('SIGKILL');
    if (root) for (const pid of pidsMatching(root)) process.kill(pid, 'SIGKILL');
    await sim?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
    cleanCodexDaemonDir();
  });

  async function stack(kind: 'claude' | 'codex', name: string = kind): Promise<Stack> {
    const dir = path.join(root, name);
    const ws = simWorkspace(dir, 'ws', sim.url);
    const [apiPort, runnerPort] = [await freePort(), await freePort()];
    const base = `http://127.0.0.1:${apiPort}`;
    procs.push(await startApiProc(dir, apiPort, { MULTYAGENTS_SCHEDULER_INTERVAL_MS: '50' }));
    let env: Record<string, string>;
    let extra: string[];
    if (kind === 'claude') {
      env = {
        ...claudeSimEnv({ ...ws, baseUrl: sim.url }),
        CLAUDE_CONFIG_DIR: path.join(ws.home, '.claude'),
      };
      extra = ['--claude-bin', clis.claude];
    } else {
      // The runner copies the operator's $CODEX_HOME/config.toml into each attempt's home. /tmp is not
      // writable here, so the result file (in the runner's attempt dir) is reachable only through the
      // executor's writable_roots.
      fs.mkdirSync(ws.codexHome, { recursive: true });
      fs.writeFileSync(
        path.join(ws.codexHome, 'config.toml'),
        codexSimConfigToml(sim.openaiBaseUrl) + '\n[sandbox_workspace_write]\nexclude_slash_tmp = true\n',
      );
      env = { ...offlineGuardEnv(sim.url), HOME: ws.home, CODEX_HOME: ws.codexHome };
      extra = ['--codex-bin', clis.codex, '--codex-args', JSON.stringify(['-m', CODEX_SIM_MODEL])];
    }
    const runnerDir = path.join(dir, 'runner');
    const startRunner = async () => {
      const p = await startRunnerProc(
        dir,
        base,
        runnerPort,
        runnerDir,
        ['--executor', kind, '--kill-grace-ms', '500', ...extra],
        // Whatever key or vendor URL the caller has must not reach the CLI.
        { ...env, OPENAI_API_KEY: '', OPENAI_BASE_URL: '', ANTHROPIC_AUTH_TOKEN: '' },
      );
      procs.push(p);
      return p;
    };
    let runner = await startRunner();
    const project = await http('POST', `${base}/projects`, { name: `${kind}-repo`, root_path: ws.repo });
    expect(project.status).toBe(200);
    return {
      base,
      repo: ws.repo,
      runnerDir,
      projectId: project.body.id as number,
      async crashRunner() {
        await runner.kill('SIGKILL');
        runner = await startRunner();
      },
    };
  }

  async function startWorkflow(
    s: Stack,
    role: Record<string, unknown>,
    steps: Step[],
    template: Record<string, unknown> = {},
  ): Promise<number> {
    const r = await http('POST', `${s.base}/roles`, { name: `role-${Math.random()}`, ...role });
    expect(r.status).toBe(200);
    const tpl = await http('POST', `${s.base}/workflow-templates`, {
      name: `wf-${Math.random()}`,
      project_id: s.projectId,
      ...template,
      steps: steps.map((st) => ({ role_id: r.body.id, timeout_seconds: 60, ...st })),
    });
    expect(tpl.status, JSON.stringify(tpl.body)).toBe(200);
    const started = await http('POST', `${s.base}/workflow-runs`, { workflow_template_id: tpl.body.id });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    return started.body.id as number;
  }

  async function waitRun(s: Stack, id: number) {
    const run = await waitFor(
      `run ${id} to end`,
      async () => {
        const v = (await http('GET', `${s.base}/workflow-runs/${id}`)).body;
        return ['success', 'failed', 'canceled'].includes(v.status) ? v : null;
      },
      RUN_BOUND_MS,
      200,
    );
    const tasks: Array<Record<string, any>> = [];
    for (const t of run.task_ids as number[]) tasks.push((await http('GET', `${s.base}/tasks/${t}`)).body);
    return { run, tasks };
  }

  async function runWorkflow(
    s: Stack,
    role: Record<string, unknown>,
    steps: Step[],
    template: Record<string, unknown> = {},
  ) {
    return waitRun(s, await startWorkflow(s, role, steps, template));
  }

  return {
    get sim() {
      return sim;
    },
    get clis() {
      return clis;
    },
    stack,
    runWorkflow,
    startWorkflow,
    waitRun,
  };
}
