import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CODEX_SIM_MODEL,
  claudeSimEnv,
  codexSimConfigToml,
  offlineGuardEnv,
  startAgentSim,
  type AgentClis,
  type AgentSim,
} from '../../src/agentsim/index.js';
import { RESULT_FILE_IN_PROMPT } from '../../src/executors/resultSection.js';
import {
  AGENT_CLI_INSTALL_BOUND_MS,
  agentClisForTests,
  codexDaemonDirCleanup,
  simWorkspace,
} from '../helpers/agentsim.js';
import {
  freePort,
  http,
  pidsMatching,
  startApiProc,
  startRunnerProc,
  waitFor,
  type Proc,
} from '../helpers/procs.js';

/**
 * The product's own codex and claude executors with the REAL pinned CLIs: a real API and a real runner
 * (`--executor claude|codex`, `--claude-bin`/`--codex-bin` the installed binaries) whose environment
 * points the CLI at the scripted model server. Judged from evidence — files on disk, the task's `agent`
 * summary, what the model server received — never from exit codes.
 */
const RUN_BOUND_MS = 90_000;

let clis: AgentClis;
let sim: AgentSim;
let root: string;
const procs: Proc[] = [];
const cleanCodexDaemonDir = codexDaemonDirCleanup();

beforeAll(async () => {
  clis = await agentClisForTests('real-agents-e2e');
  sim = await startAgentSim();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-agents-e2e-'));
}, AGENT_CLI_INSTALL_BOUND_MS);

afterAll(async () => {
  for (const p of procs.splice(0)) await p.kill('SIGKILL');
  if (root) for (const pid of pidsMatching(root)) process.kill(pid, 'SIGKILL');
  await sim?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
  cleanCodexDaemonDir();
});

interface Stack {
  base: string;
  repo: string;
  runnerDir: string;
  projectId: number;
}

/** API + one runner driving the real `kind` CLI, and a fresh git repository registered as the project. */
async function stack(kind: 'claude' | 'codex'): Promise<Stack> {
  const dir = path.join(root, kind);
  const ws = simWorkspace(dir, 'ws', sim.url);
  const [apiPort, runnerPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${apiPort}`;
  procs.push(await startApiProc(dir, apiPort, { MULTYAGENTS_SCHEDULER_INTERVAL_MS: '50' }));
  const guard = offlineGuardEnv(sim.url);
  let env: Record<string, string>;
  let extra: string[];
  if (kind === 'claude') {
    env = { ...claudeSimEnv({ ...ws, baseUrl: sim.url }), CLAUDE_CONFIG_DIR: path.join(ws.home, '.claude') };
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
    env = { ...guard, HOME: ws.home, CODEX_HOME: ws.codexHome };
    extra = ['--codex-bin', clis.codex, '--codex-args', JSON.stringify(['-m', CODEX_SIM_MODEL])];
  }
  const runnerDir = path.join(dir, 'runner');
  procs.push(
    await startRunnerProc(
      dir,
      base,
      runnerPort,
      runnerDir,
      ['--executor', kind, '--kill-grace-ms', '500', ...extra],
      // Whatever key or vendor URL the caller has must not reach the CLI.
      { ...env, OPENAI_API_KEY: '', OPENAI_BASE_URL: '', ANTHROPIC_AUTH_TOKEN: '' },
    ),
  );
  const project = await http('POST', `${base}/projects`, { name: `${kind}-repo`, root_path: ws.repo });
  expect(project.status).toBe(200);
  return { base, repo: ws.repo, runnerDir, projectId: project.body.id as number };
}

type Step = { step_id: string; title: string; description: string; depends_on?: string[] };

/** Create a role and a template of `steps` in the project, start a run, wait (bounded) until it ends. */
async function runWorkflow(s: Stack, role: Record<string, unknown>, steps: Step[]) {
  const r = await http('POST', `${s.base}/roles`, { name: `role-${Math.random()}`, ...role });
  expect(r.status).toBe(200);
  const tpl = await http('POST', `${s.base}/workflow-templates`, {
    name: `wf-${Math.random()}`,
    project_id: s.projectId,
    steps: steps.map((st) => ({ role_id: r.body.id, timeout_seconds: 60, ...st })),
  });
  expect(tpl.status).toBe(200);
  const started = await http('POST', `${s.base}/workflow-runs`, { workflow_template_id: tpl.body.id });
  expect(started.status).toBe(200);
  const run = await waitFor(
    `run ${started.body.id} to end`,
    async () => {
      const v = (await http('GET', `${s.base}/workflow-runs/${started.body.id}`)).body;
      return ['success', 'failed', 'canceled'].includes(v.status) ? v : null;
    },
    RUN_BOUND_MS,
    200,
  );
  const tasks: Array<Record<string, any>> = [];
  for (const id of run.task_ids as number[]) tasks.push((await http('GET', `${s.base}/tasks/${id}`)).body);
  return { run, tasks };
}

const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null);
const why = (tasks: Array<Record<string, any>>) => JSON.stringify(tasks, null, 1).slice(0, 6000);

describe.each(['claude', 'codex'] as const)('the %s executor with the real CLI', (kind) => {
  let s: Stack;
  beforeAll(async () => {
    s = await stack(kind);
  }, 60_000);

  it('a one-step workflow writes the scripted file in the project; the task shows the session and turns', async () => {
    const marker = `MARK-${kind}-one`;
    sim.script(marker, {
      turns: [
        { say: 'Writing it.', write: { path: 'hello.txt', content: `hello from ${kind}\n` } },
        { say: 'wrote hello.txt' },
      ],
    });
    const { run, tasks } = await runWorkflow(s, {}, [
      { step_id: 'write', title: 'Write hello.txt', description: marker },
    ]);
    expect(run.status, why(tasks)).toBe('success');
    expect(read(path.join(s.repo, 'hello.txt'))).toBe(`hello from ${kind}\n`);
    const agent = tasks[0]!.agent;
    expect(agent).toMatchObject({
      agent: kind,
      verdict: 'ok',
      is_error: false,
      final_message: 'wrote hello.txt',
    });
    expect(agent.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(agent.turns).toBe(kind === 'claude' ? 2 : 1); // claude counts model turns, codex turns of the thread
    expect(agent.usage.output_tokens).toBeGreaterThan(0);
    // The CLI ran in the project's work dir and its requests came to the scripted server only.
    const seen = sim.requests(marker);
    expect(seen.map((r) => r.call)).toEqual([kind === 'claude' ? 'Write' : 'apply_patch', null]);
    expect(seen[0]!.cwd).toBe(fs.realpathSync(s.repo));
  });

  it('plan → build: the plan writes its result file, and the build prompt carries its handoff', async () => {
    const [planMark, buildMark] = [`MARK-${kind}-plan`, `MARK-${kind}-build`];
    const handoff = {
      summary: `PLAN-${kind}: create build.txt holding the word built`,
      next_actions: ['write build.txt'],
      open_questions: [],
      artifacts: [{ artifact_type: 'file', location: 'PLAN.md', summary: 'the plan' }],
    };
    sim.script(planMark, {
      turns: [
        { write: { path: 'PLAN.md', content: '# Plan\n1. build.txt\n' } },
        { write: { pathInPrompt: RESULT_FILE_IN_PROMPT, content: JSON.stringify(handoff) } },
        { say: 'planned' },
      ],
    });
    sim.script(buildMark, {
      turns: [{ write: { path: 'build.txt', content: 'built\n' } }, { say: 'built' }],
    });
    const { run, tasks } = await runWorkflow(s, {}, [
      { step_id: 'plan', title: 'Plan', description: planMark },
      { step_id: 'build', title: 'Build', description: buildMark, depends_on: ['plan'] },
    ]);
    expect(run.status, why(tasks)).toBe('success');
    expect(read(path.join(s.repo, 'PLAN.md'))).toBe('# Plan\n1. build.txt\n');
    expect(read(path.join(s.repo, 'build.txt'))).toBe('built\n');
    const plan = tasks.find((t) => t.step_id === 'plan')!;
    const resultFile = path.join(s.runnerDir, 'attempts', `task-${plan.id}-attempt-1`, 'result.json');
    expect(JSON.parse(read(resultFile) ?? 'null')).toEqual(handoff);
    // The plan agent read the result file's path off the prompt's # Result section.
    expect(sim.requests(planMark)[0]!.prompt).toContain(`write your result as JSON to ${resultFile}`);
    const buildPrompt = sim.requests(buildMark)[0]!.prompt;
    expect(buildPrompt).toContain('# Context from upstream steps\n## plan\n' + handoff.summary);
    expect(buildPrompt).toContain('- write build.txt');
  });

  if (kind === 'claude') {
    it('a role whose allowed_tools omit Write: nothing written, agent-permission-denied naming Write', async () => {
      const marker = 'MARK-claude-nowrite';
      sim.script(marker, { turns: [{ write: { path: 'denied.txt', content: 'no\n' } }, { say: 'tried' }] });
      const { run, tasks } = await runWorkflow(s, { allowed_tools: ['Read'] }, [
        { step_id: 'write', title: 'Write denied.txt', description: marker },
      ]);
      expect(fs.existsSync(path.join(s.repo, 'denied.txt'))).toBe(false);
      expect(run.status, why(tasks)).toBe('failed');
      const t = tasks[0]!;
      expect(t).toMatchObject({ status: 'failed', failure_category: 'agent-permission-denied' });
      expect(t.agent).toMatchObject({
        verdict: 'permission-denied',
        permission_denials: [{ tool: 'Write' }],
      });
      expect(t.failure_triage_hints.join('\n')).toMatch(/denied: Write .*denied\.txt/);
      expect(t.suggested_next_actions.join('\n')).toContain("allow Write in the role's allowed_tools");
    });
  } else {
    // What the product does: a read-only role is expected to be refused writes, so the task succeeds —
    // and codex emits no event at all for the patch its sandbox refused, so the only evidence is what is
    // missing: no file, `files_changed: []`. A read-only step's success never means a file was written.
    it('a read-only role writes nothing: success with files_changed [] and no trace of the refused patch', async () => {
      const marker = 'MARK-codex-readonly';
      sim.script(marker, { turns: [{ write: { path: 'ro.txt', content: 'no\n' } }, { say: 'tried' }] });
      const { run, tasks } = await runWorkflow(s, { execution_constraints: { read_only: true } }, [
        { step_id: 'write', title: 'Write ro.txt', description: marker },
      ]);
      expect(fs.existsSync(path.join(s.repo, 'ro.txt'))).toBe(false);
      const seen = sim.requests(marker);
      expect(seen.at(-1)!.toolResults[0]!.output).toMatch(/read-only sandbox/);
      expect(run.status, why(tasks)).toBe('success');
      expect(tasks[0]!.agent).toMatchObject({
        verdict: 'ok',
        files_changed: [],
        permission_denials: [],
        tool_errors: [],
        final_message: 'tried',
      });
    });
  }

  it('nothing left loopback', () => {
    for (const r of sim.requests())
      expect([r.method, r.host, r.status]).toEqual(['POST', `127.0.0.1:${sim.port}`, 200]);
  });
});
