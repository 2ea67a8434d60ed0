import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';
import { registerRunner, report, startRun } from '../helpers/fixtures.js';

const claudeSummary = {
  agent: 'claude',
  session_id: 'sess-1',
  model: 'claude-sonnet-4-5',
  final_message: 'wrote the plan',
  turns: 3,
  usage: { input_tokens: 300, cached_input_tokens: 150, cache_creation_input_tokens: 30, output_tokens: 60 },
  cost_usd: 0.25,
  permission_denials: [],
  tool_errors: [],
  files_changed: [],
  is_error: false,
  error: null,
  terminal_reason: 'completed',
  verdict: 'ok',
  events: 6,
  noise_lines: 0,
};
const codexSummary = {
  ...claudeSummary,
  agent: 'codex',
  session_id: 'thread-1',
  model: null,
  usage: {
    input_tokens: 1_000_000,
    cached_input_tokens: 200_000,
    cache_creation_input_tokens: 0,
    output_tokens: 100_000,
  },
  cost_usd: null,
  terminal_reason: null,
};

/** The agent summary a runner reports: stored on the attempt, shown in the task, its audit and its run. */
describe('agent summaries', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi();
  });
  afterEach(() => t.close());

  async function twoRoles() {
    const writer = await call(t.app, 'POST', '/roles', {
      name: 'writer',
      allowed_tools: ['Write', 'Bash(npm test)'],
      execution_constraints: { agent_args: ['--model', 'sonnet'] },
    });
    const reviewer = await call(t.app, 'POST', '/roles', {
      name: 'reviewer',
      execution_constraints: { read_only: true },
    });
    const tpl = await call(t.app, 'POST', '/workflow-templates', {
      name: 'write-review',
      steps: [
        { step_id: 'write', role_id: writer.body.id, title: 'Write it' },
        { step_id: 'review', role_id: reviewer.body.id, title: 'Review it', depends_on: ['write'] },
      ],
    });
    await registerRunner(t);
    const run = await startRun(t, tpl.body.id);
    return { run, writer: writer.body.id as number, reviewer: reviewer.body.id as number };
  }

  it('validates the agent constraints of a role', async () => {
    for (const execution_constraints of [
      { read_only: 'yes' },
      { agent_args: '--model x' },
      { agent_args: [''] },
    ]) {
      const r = await call(t.app, 'POST', '/roles', { name: 'bad', execution_constraints });
      expect(r.status, JSON.stringify(execution_constraints)).toBe(422);
    }
  });

  it("sends the role's grants to the runner (the result section is the agent executor's)", async () => {
    const { run, writer } = await twoRoles();
    await call(t.app, 'POST', `/tasks/${run.task_ids[0]}/dispatch`);
    const sent = t.runner.submits[0]!.body;
    expect(sent.role).toEqual({
      id: writer,
      name: 'writer',
      allowed_tools: ['Write', 'Bash(npm test)'],
      execution_constraints: { read_only: false, agent_args: ['--model', 'sonnet'] },
    });
    expect(sent.prompt).not.toContain('# Result');
  });

  it('stores the summary on the attempt; task view, audit and run usage show it', async () => {
    const { run, writer, reviewer } = await twoRoles();
    const [write, review] = run.task_ids as [number, number];
    await call(t.app, 'POST', `/tasks/${write}/dispatch`);
    expect(
      (await report(t, write, { status: 'success', attempt: 1, exit_code: 0, agent: claudeSummary })).status,
    ).toBe(200);
    const task = (await call(t.app, 'GET', `/tasks/${write}`)).body;
    expect(task.agent).toEqual(claudeSummary);
    const audit = (await call(t.app, 'GET', `/tasks/${write}/audit`)).body;
    expect(audit.attempts[0]).toMatchObject({ attempt: 1, session_id: 'sess-1', agent: claudeSummary });

    await call(t.app, 'POST', `/tasks/${review}/dispatch`);
    await report(t, review, { status: 'success', attempt: 1, exit_code: 0, agent: codexSummary });
    const view = (await call(t.app, 'GET', `/workflow-runs/${run.id}`)).body;
    // codex gives no price: 800k fresh input at 1.25, 200k cached at 0.125, 100k output at 10 (gpt-5).
    const codexCost = 0.8 * 1.25 + 0.2 * 0.125 + 0.1 * 10;
    const { per_role: perRole, ...total } = view.usage;
    expect(total).toEqual({
      attempts: 2,
      input_tokens: 1_000_300,
      cached_input_tokens: 200_150,
      cache_creation_input_tokens: 30,
      output_tokens: 100_060,
      cost_usd: Math.round((0.25 + codexCost) * 1e6) / 1e6,
      estimated: true,
      unpriced_attempts: 0,
    });
    const byRole = Object.fromEntries(perRole.map((p: any) => [p.role_id, p]));
    expect(byRole[writer]).toMatchObject({ attempts: 1, cost_usd: 0.25, estimated: false });
    expect(byRole[reviewer]).toMatchObject({ attempts: 1, output_tokens: 100_000, estimated: true });
  });

  it('a denied agent is triaged agent-permission-denied with the tool, the path and the grant', async () => {
    const { run } = await twoRoles();
    const write = run.task_ids[0]!;
    await call(t.app, 'POST', `/tasks/${write}/dispatch`);
    const denied = {
      ...claudeSummary,
      verdict: 'permission-denied',
      permission_denials: [{ tool: 'Write', target: '/srv/x.txt' }],
    };
    await report(t, write, {
      status: 'failed',
      attempt: 1,
      exit_code: 0,
      failure_step: 'run',
      message: 'the agent was denied permission (exit code 0): Write /srv/x.txt',
      stdout: '{"type":"user","content":"permission denied"}',
      agent: denied,
    });
    const task = (await call(t.app, 'GET', `/tasks/${write}`)).body;
    expect(task).toMatchObject({
      status: 'failed',
      failure_category: 'agent-permission-denied',
      agent: denied,
    });
    expect(task.failure_triage_hints).toContain('denied: Write /srv/x.txt');
    expect(task.suggested_next_actions[0]).toContain("allow Write in the role's allowed_tools");
    const audit = (await call(t.app, 'GET', `/tasks/${write}/audit`)).body;
    expect(audit.attempts[0]).toMatchObject({
      failure_category: 'agent-permission-denied',
      session_id: 'sess-1',
    });
  });

  it('keeps the session from the running report, offers it to the retry, and audits a resumed session once', async () => {
    const role = await call(t.app, 'POST', '/roles', {
      name: 'retrying-writer',
      execution_constraints: {
        retry_policy: { max_retries: 1, retry_on: ['agent-error'], backoff_initial_ms: 1000 },
      },
    });
    const tpl = await call(t.app, 'POST', '/workflow-templates', {
      name: 'one',
      steps: [{ step_id: 'write', role_id: role.body.id, title: 'Write it' }],
    });
    await registerRunner(t);
    const run = await startRun(t, tpl.body.id);
    const id = run.task_ids[0]!;
    await call(t.app, 'POST', `/tasks/${id}/dispatch`);
    const sessionOnly = { ...claudeSummary, final_message: null, turns: null, usage: null, events: 1 };
    await report(t, id, { status: 'running', attempt: 1, agent: sessionOnly });
    const attempt1 = async () =>
      (await call(t.app, 'GET', `/tasks/${id}/audit`)).body.attempts.find(
        (a: { attempt: number }) => a.attempt === 1,
      );
    expect((await attempt1()).session_id).toBe('sess-1');
    // the terminal report names no session: the stored one stays
    const failed = {
      ...claudeSummary,
      session_id: null,
      is_error: true,
      error: 'API Error: 500',
      verdict: 'agent-error',
    };
    await report(t, id, { status: 'failed', attempt: 1, exit_code: 0, agent: failed });
    expect((await attempt1()).session_id).toBe('sess-1');
    expect((await call(t.app, 'GET', `/tasks/${id}`)).body.status).toBe('created');
    t.clock.advance(2_000);
    await call(t.app, 'POST', `/tasks/${id}/dispatch`);
    const submit = t.runner.submits.at(-1)!.body;
    expect(submit).toMatchObject({ attempt: 2, resume: { session_id: 'sess-1', from_attempt: 1 } });
    const resumed = { ...sessionOnly, resumed: true, resumed_from: 1 };
    await report(t, id, { status: 'running', attempt: 2, agent: resumed });
    await report(t, id, {
      status: 'success',
      attempt: 2,
      exit_code: 0,
      agent: { ...claudeSummary, resumed: true, resumed_from: 1 },
    });
    const events = (await call(t.app, 'GET', `/events?task_id=${id}&event_type=task.session_resumed`))
      .body as Array<{
      payload: Record<string, unknown>;
    }>;
    expect(events.map((e) => e.payload)).toEqual([{ attempt: 2, session_id: 'sess-1', from_attempt: 1 }]);
  });
});
