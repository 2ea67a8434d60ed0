import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeSimEnv, startAgentSim, type AgentClis, type AgentSim } from '../../src/agentsim/index.js';
import { AGENT_CLI_INSTALL_BOUND_MS, agentClisForTests, simWorkspace } from '../helpers/agentsim.js';
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
 * A retry resumes the agent's session, with the REAL pinned claude against the scripted model server:
 * attempt 1 writes a file, then the model server fails the next turn (claude reports is_error, the
 * role retries on agent-error); attempt 2 runs `claude --resume <the same session>` in the same home
 * and cwd, and claude resends the earlier conversation (the scripted server sees attempt 1's tool
 * result in the request).
 */
const RUN_BOUND_MS = 90_000;
/** The opening line the executor puts before the prompt of a resumed attempt. */
const RESUMED = 'Continue from where you left off';

let clis: AgentClis;
let sim: AgentSim;
let root: string;
const procs: Proc[] = [];

beforeAll(async () => {
  clis = await agentClisForTests('real-claude-resume');
  sim = await startAgentSim();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-claude-resume-'));
}, AGENT_CLI_INSTALL_BOUND_MS);

afterAll(async () => {
  for (const p of procs.splice(0)) await p.kill('SIGKILL');
  if (root) for (const pid of pidsMatching(root)) process.kill(pid, 'SIGKILL');
  await sim?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('resume with the real claude', () => {
  it('attempt 2 continues the session of the failed attempt 1, and the run succeeds', async () => {
    const ws = simWorkspace(root, 'ws', sim.url);
    const [apiPort, runnerPort] = [await freePort(), await freePort()];
    const base = `http://127.0.0.1:${apiPort}`;
    procs.push(await startApiProc(root, apiPort, { MULTYAGENTS_SCHEDULER_INTERVAL_MS: '50' }));
    const env = {
      ...claudeSimEnv({ ...ws, baseUrl: sim.url }),
      CLAUDE_CONFIG_DIR: path.join(ws.home, '.claude'),
    };
    procs.push(
      await startRunnerProc(
        root,
        base,
        runnerPort,
        path.join(root, 'runner'),
        ['--executor', 'claude', '--kill-grace-ms', '500', '--claude-bin', clis.claude],
        { ...env, OPENAI_API_KEY: '', OPENAI_BASE_URL: '', ANTHROPIC_AUTH_TOKEN: '' },
      ),
    );
    const project = await http('POST', `${base}/projects`, { name: 'resume-repo', root_path: ws.repo });
    expect(project.status).toBe(200);

    const marker = 'MARK-claude-resume';
    // First in order: a resumed request carries both user messages, and this script answers it.
    sim.script(RESUMED, { turns: [], final: 'resumed and done' });
    sim.script(marker, {
      turns: [
        { write: { path: 'first.txt', content: 'from attempt 1\n' } },
        { error: { status: 500, message: 'scripted outage' } },
      ],
    });
    const role = await http('POST', `${base}/roles`, {
      name: 'resumer',
      execution_constraints: {
        retry_policy: { max_retries: 1, retry_on: ['agent-error'], backoff_initial_ms: 0, jitter: 0 },
      },
    });
    expect(role.status).toBe(200);
    const tpl = await http('POST', `${base}/workflow-templates`, {
      name: 'wf-resume',
      project_id: project.body.id,
      steps: [
        { step_id: 'w', title: 'Write', description: marker, role_id: role.body.id, timeout_seconds: 60 },
      ],
    });
    expect(tpl.status).toBe(200);
    const started = await http('POST', `${base}/workflow-runs`, { workflow_template_id: tpl.body.id });
    expect(started.status).toBe(200);
    const run = await waitFor(
      'the run to end',
      async () => {
        const v = (await http('GET', `${base}/workflow-runs/${started.body.id}`)).body;
        return ['success', 'failed', 'canceled'].includes(v.status) ? v : null;
      },
      RUN_BOUND_MS,
      200,
    );
    const taskId = (run.task_ids as number[])[0]!;
    const audit = (await http('GET', `${base}/tasks/${taskId}/audit`)).body;
    const why = JSON.stringify(audit, null, 1).slice(0, 8000);
    expect(run.status, why).toBe('success');
    expect(fs.readFileSync(path.join(ws.repo, 'first.txt'), 'utf8')).toBe('from attempt 1\n');

    const [a1, a2] = audit.attempts as Array<Record<string, any>>;
    expect(a1, why).toMatchObject({ attempt: 1, status: 'failed', failure_category: 'agent-error' });
    expect(a1!.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(a2, why).toMatchObject({ attempt: 2, status: 'success', session_id: a1!.session_id });
    expect(audit.task.agent, why).toMatchObject({
      session_id: a1!.session_id,
      resumed: true,
      resumed_from: 1,
      final_message: 'resumed and done',
    });
    const resumedEvents = (audit.events as Array<Record<string, any>>).filter(
      (e) => e.event_type === 'task.session_resumed',
    );
    expect(resumedEvents.map((e) => e.payload)).toEqual([
      { attempt: 2, session_id: a1!.session_id, from_attempt: 1 },
    ]);

    // The server saw the earlier conversation again: attempt 1's prompt and its tool result.
    const resumed = sim.requests(RESUMED);
    expect(resumed.length, why).toBeGreaterThan(0);
    expect(resumed[0]!.prompt).toContain(marker);
    expect(resumed[0]!.toolResults.length).toBeGreaterThanOrEqual(1);
  }, 150_000);
});
