import { afterEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, removeTempDirs, RUNNER_TOKEN, type TestApi } from '../helpers/context.js';
import { H, runnerHeaders } from '../helpers/fixtures.js';

const OPENAI = 'sk-proj' + 'Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8Ii9';
const GITHUB = 'ghp_' + 'ZyXwVuTsRqPoNmLkJiHg0123456789';
const OPERATOR = 'operator-token-0123456789abcdef';
const SECRETS = [OPENAI, GITHUB, OPERATOR, RUNNER_TOKEN];
const OP = { authorization: `Bearer ${OPERATOR}` };

/** Every secret in one free text, as an operator or an agent would paste them. */
const leak = (what: string) => `${what}: ${OPENAI} / ${GITHUB} / ${OPERATOR} / ${RUNNER_TOKEN}`;

function expectNoSecret(where: string, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  for (const s of SECRETS) expect(text.includes(s), `${where} returns ${s.slice(0, 10)}…`).toBe(false);
}

describe('redaction at the store boundary: no view returns a secret that was posted', () => {
  let t: TestApi;
  afterEach(async () => {
    await t.close();
    removeTempDirs();
  });

  it('task, run, events, artifacts, handoffs, logs, dispatch answer, audit and summary', async () => {
    t = await makeTestApi({ operatorToken: OPERATOR });
    const op = (method: string, url: string, body?: unknown) => call(t.app, method, url, body, OP);
    const ok = async (method: string, url: string, body?: unknown) => {
      const r = await op(method, url, body);
      expect(r.status, `${method} ${url}: ${JSON.stringify(r.body)}`).toBe(200);
      return r.body;
    };

    // A role's system prompt is configuration the agent needs: the runner gets it as written.
    const role = await ok('POST', '/roles', { name: 'coder', system_prompt: `use key ${GITHUB} for pushes` });
    const runner = await call(
      t.app,
      'POST',
      '/runners/register',
      { name: 'r1', url: 'http://127.0.0.1:9/r1', capacity: 4 },
      H,
    );
    expect(runner.status).toBe(200);
    const RH = runnerHeaders(t, runner.body.id as number);
    const task = await ok('POST', '/tasks', {
      role_id: role.id,
      title: leak('title'),
      description: leak('description'),
    });
    const other = await ok('POST', '/tasks', { role_id: role.id, title: 'to cancel' });
    const run = await ok('POST', '/workflow-runs', {
      task_ids: [task.id],
      initiated_by: `ci token=${OPENAI}`,
    });
    await ok('POST', '/events', {
      event_type: 'external.note',
      run_id: run.id,
      task_id: task.id,
      producer_role: 'ops',
      payload: { note: leak('event'), nested: [{ key: GITHUB }], [OPERATOR]: true },
    });
    await ok('POST', '/artifacts', {
      artifact_type: 'file',
      location: `/tmp/${OPENAI}/out.txt`,
      summary: leak('artifact summary'),
      producer_task_id: task.id,
      metadata: { auth: `Bearer ${OPERATOR}`, list: [GITHUB] },
    });
    await ok('POST', `/tasks/${other.id}/cancel`, { reason: leak('reason') });

    const dispatched = await ok('POST', `/tasks/${task.id}/dispatch`);
    expectNoSecret('dispatch answer', dispatched);
    expect(dispatched.runner_payload.prompt).toContain('use key [REDACTED] for pushes');
    // The runner got the role's prompt as written; the operator's pasted secrets were gone at insert.
    const sent = t.runner.submits.at(-1)!.body;
    expect(sent.prompt).toContain(`use key ${GITHUB} for pushes`);
    expect(sent.prompt).not.toContain(OPENAI);
    expect(sent.prompt).not.toContain(OPERATOR);

    const attempt = dispatched.attempt as number;
    const log = await call(
      t.app,
      'POST',
      `/runner/tasks/${task.id}/logs`,
      { attempt, seq: 0, stream: 'stdout', data: leak('log chunk') },
      RH,
    );
    expect(log.status).toBe(200);
    const rep = await call(
      t.app,
      'POST',
      `/runner/tasks/${task.id}/status`,
      {
        status: 'success',
        attempt,
        exit_code: 0,
        message: leak('message'),
        stdout: leak('stdout'),
        stderr: leak('stderr'),
        handoff: {
          summary: leak('summary'),
          details: leak('details'),
          next_actions: [leak('next action')],
          open_questions: [leak('open question')],
        },
        artifacts: [
          {
            artifact_type: 'report',
            location: `https://x.test/?token=${OPENAI}`,
            summary: leak('reported artifact'),
            metadata: { key: GITHUB, deep: { op: OPERATOR } },
          },
        ],
      },
      H,
    );
    expect(rep.status, JSON.stringify(rep.body)).toBe(200);
    expectNoSecret('report answer', rep.body);

    // A quality gate that fails keeps what it judged (the handoff summary) in its event.
    const gated = await ok('POST', '/tasks', {
      role_id: role.id,
      title: 'gated',
      quality_gate_policy: {
        required_checks: [{ check: 'required-artifacts-present', severity: 'blocker' }],
      },
    });
    const gatedAttempt = (await ok('POST', `/tasks/${gated.id}/dispatch`)).attempt as number;
    const foreign = (await ok('GET', `/artifacts?producer_task_id=${task.id}`))[0].id as number;
    const gateReport = await call(
      t.app,
      'POST',
      '/runner/reports',
      {
        reports: [
          {
            task_id: gated.id,
            status: 'success',
            attempt: gatedAttempt,
            handoff: {
              summary: leak('gated summary'),
              artifacts: [{ artifact_id: foreign, is_required: true }],
            },
          },
        ],
      },
      RH,
    );
    expect(gateReport.status, JSON.stringify(gateReport.body)).toBe(200);
    expectNoSecret('batch answer', gateReport.body);
    const gateEvents = await ok('GET', `/events?task_id=${gated.id}&event_type=task.quality_gate_failed`);
    expect(gateEvents).toHaveLength(1);

    const views: Array<[string, string]> = [
      ['GET', `/tasks/${gated.id}`],
      ['GET', `/events?task_id=${gated.id}`],
      ['GET', `/tasks/${gated.id}/audit`],
      ['GET', `/tasks/${task.id}`],
      ['GET', `/tasks/${other.id}`],
      ['GET', `/tasks?run_id=${run.id}`],
      ['GET', `/workflow-runs/${run.id}`],
      ['GET', '/workflow-runs'],
      ['GET', `/workflow-runs/${run.id}/execution-summary`],
      ['GET', `/events?run_id=${run.id}`],
      ['GET', `/events?task_id=${task.id}`],
      ['GET', `/artifacts?producer_task_id=${task.id}`],
      ['GET', `/handoffs?task_id=${task.id}`],
      ['GET', `/tasks/${task.id}/handoff`],
      ['GET', `/tasks/${task.id}/logs`],
      ['GET', `/tasks/${task.id}/audit`],
    ];
    const artifacts = await ok('GET', `/artifacts?producer_task_id=${task.id}`);
    expect(artifacts.length).toBe(2);
    for (const a of artifacts) views.push(['GET', `/artifacts/${a.id}`]);
    for (const [method, url] of views) expectNoSecret(`${method} ${url}`, await ok(method, url));

    // Redacted, not dropped: the texts are still there around the markers.
    const h = await ok('GET', `/tasks/${task.id}/handoff`);
    expect(h.next_actions[0]).toBe('next action: [REDACTED] / [REDACTED] / [REDACTED] / [REDACTED]');
    expect(h.open_questions[0]).toContain('open question: [REDACTED]');
    const got = await ok('GET', `/tasks/${task.id}`);
    expect(got.title).toBe('title: [REDACTED] / [REDACTED] / [REDACTED] / [REDACTED]');
    expect((await ok('GET', `/workflow-runs/${run.id}`)).initiated_by).toBe('ci token=[REDACTED]');
    expect(artifacts.map((a: { location: string }) => a.location).sort()).toEqual([
      '/tmp/[REDACTED]/out.txt',
      'https://x.test/?token=[REDACTED]',
    ]);
  });
});
