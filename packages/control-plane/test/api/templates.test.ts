import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';

type Step = Record<string, unknown>;
const s = (step_id: string, extra: Step = {}): Step => ({
  step_id,
  role_id: 1,
  title: `do ${step_id}`,
  ...extra,
});

describe('workflow templates API', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi();
    await call(t.app, 'POST', '/roles', { name: 'coder' });
    await call(t.app, 'POST', '/roles', { name: 'reviewer' });
  });
  afterEach(() => t.close());

  const create = (body: Record<string, unknown>) => call(t.app, 'POST', '/workflow-templates', body);
  const list = async () => (await call(t.app, 'GET', '/workflow-templates')).body as unknown[];
  const seedRun = (templateId: number) =>
    t.store.tx((sql) =>
      sql.run(
        "INSERT INTO workflow_runs (workflow_template_id, status, created_at, updated_at) VALUES (?, 'running', 'x', 'x')",
        [templateId],
      ),
    );

  it('creates with 200 and step defaults, gets and lists', async () => {
    const res = await create({
      name: 'feature',
      steps: [
        s('plan'),
        s('code', {
          depends_on: ['plan'],
          required_artifacts: [{ from_step_id: 'plan', artifact_type: 'text' }],
        }),
        s('review', { role_id: 2, depends_on: ['code'], quality_gate_policy: { min_score: 1 } }),
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 1, name: 'feature', project_id: null });
    expect(res.body.steps[0]).toEqual({
      step_id: 'plan',
      role_id: 1,
      title: 'do plan',
      depends_on: [],
      required_artifacts: [],
    });
    expect(res.body.steps[1].required_artifacts).toEqual([{ from_step_id: 'plan', artifact_type: 'text' }]);
    // The first version's policy model: unknown keys dropped, no checks configured.
    expect(res.body.steps[2].quality_gate_policy).toEqual({ required_checks: [] });
    expect((await call(t.app, 'GET', '/workflow-templates/1')).body).toEqual(res.body);
    expect(await list()).toEqual([res.body]);
  });

  it('refuses every DAG problem with its code and field, storing nothing', async () => {
    const cases: Array<[Step[], string, string]> = [
      [[s('a'), s('a')], 'DAG_DUPLICATE_STEP', 'steps[1].step_id'],
      [[s('a'), s('b', { depends_on: ['a', 'nope'] })], 'DAG_UNKNOWN_DEPENDENCY', 'steps[1].depends_on[1]'],
      [[s('a', { depends_on: ['a'] })], 'DAG_SELF_DEPENDENCY', 'steps[0].depends_on[0]'],
      [
        [s('a', { depends_on: ['c'] }), s('b', { depends_on: ['a'] }), s('c', { depends_on: ['b'] })],
        'DAG_CYCLE',
        'steps',
      ],
      [
        [s('a'), s('b'), s('c', { depends_on: ['a'], required_artifacts: [{ from_step_id: 'b' }] })],
        'DAG_ARTIFACT_SOURCE_NOT_DEPENDENCY',
        'steps[2].required_artifacts[0].from_step_id',
      ],
      [[s('a'), s('b', { depends_on: ['a', 'a'] })], 'VALIDATION_FAILED', 'steps[1].depends_on[1]'],
    ];
    for (const [steps, code, field] of cases) {
      const res = await create({ name: 'bad', steps });
      expect(res.status, code).toBe(422);
      expect(res.body, code).toMatchObject({ code, field });
    }
    expect(await list()).toEqual([]);
  });

  it('refuses schema problems: no steps, bad step ids', async () => {
    expect((await create({ name: 'x', steps: [] })).body).toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'steps',
    });
    expect((await create({ name: 'x', steps: [s('bad id')] })).body).toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'steps.0.step_id',
    });
  });

  it('refuses unknown roles and projects with 404 (as v1) naming the field', async () => {
    const role = await create({ name: 'x', steps: [s('a'), s('b', { role_id: 3 })] });
    expect(role.status).toBe(404);
    expect(role.body).toMatchObject({
      code: 'ROLE_NOT_FOUND',
      field: 'steps[1].role_id',
      detail: 'role 3 not found',
    });
    const project = await create({ name: 'x', project_id: 4, steps: [s('a')] });
    expect(project.status).toBe(404);
    expect(project.body).toMatchObject({ code: 'PROJECT_NOT_FOUND', field: 'project_id' });
    expect(await list()).toEqual([]);
  });

  it('binds a template to an existing project', async () => {
    const root = path.join(t.dir, 'repo');
    expect((await call(t.app, 'POST', '/projects', { name: 'p', root_path: root })).status).toBe(200);
    const res = await create({ name: 'x', project_id: 1, steps: [s('a')] });
    expect(res.status).toBe(200);
    expect(res.body.project_id).toBe(1);
  });

  it('replaces with PUT; a refused PUT leaves the stored template unchanged', async () => {
    await create({ name: 'flow', steps: [s('a'), s('b', { depends_on: ['a'] })] });
    const put = await call(t.app, 'PUT', '/workflow-templates/1', {
      name: 'flow2',
      steps: [s('only', { role_id: 2 })],
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      id: 1,
      name: 'flow2',
      project_id: null,
      steps: [{ step_id: 'only', role_id: 2 }],
    });
    const cyc = await call(t.app, 'PUT', '/workflow-templates/1', {
      name: 'flow3',
      steps: [s('a', { depends_on: ['b'] }), s('b', { depends_on: ['a'] })],
    });
    expect(cyc.body).toMatchObject({ code: 'DAG_CYCLE', field: 'steps' });
    const ref = await call(t.app, 'PUT', '/workflow-templates/1', {
      name: 'flow3',
      steps: [s('a', { role_id: 99 })],
    });
    expect(ref.body).toMatchObject({ code: 'ROLE_NOT_FOUND', field: 'steps[0].role_id' });
    expect((await call(t.app, 'GET', '/workflow-templates/1')).body).toEqual(put.body);
  });

  it('404s unknown ids on get, put and delete', async () => {
    for (const [method, body] of [['GET'], ['PUT', { name: 'n', steps: [s('a')] }], ['DELETE']] as const) {
      const res = await call(t.app, method, '/workflow-templates/3', body);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('WORKFLOW_TEMPLATE_NOT_FOUND');
    }
  });

  it('refuses to delete a template a run refers to, deletes it otherwise', async () => {
    await create({ name: 'used', steps: [s('a')] });
    await create({ name: 'free', steps: [s('a')] });
    await seedRun(1);
    const refused = await call(t.app, 'DELETE', '/workflow-templates/1');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'RESOURCE_IN_USE', run_count: 1 });
    expect((await call(t.app, 'GET', '/workflow-templates/1')).status).toBe(200);
    expect((await call(t.app, 'DELETE', '/workflow-templates/2')).status).toBe(204);
    expect((await list()).map((x: any) => x.id)).toEqual([1]);
  });

  it('a run started after a PUT follows the new steps (parsed steps are not reused across versions)', async () => {
    await create({ name: 'flow', steps: [s('a')] });
    const first = await call(t.app, 'POST', '/workflow-runs', { workflow_template_id: 1 });
    expect(first.body.task_ids).toHaveLength(1);
    await call(t.app, 'PUT', '/workflow-templates/1', {
      name: 'flow',
      steps: [s('a', { title: 'renamed' }), s('b', { depends_on: ['a'] })],
    });
    const second = await call(t.app, 'POST', '/workflow-runs', { workflow_template_id: 1 });
    expect(second.body.task_ids).toHaveLength(2);
    const tasks = (await call(t.app, 'GET', `/tasks?run_id=${second.body.id}`)).body;
    expect(tasks.map((x: any) => [x.title, x.depends_on])).toEqual([
      ['renamed', []],
      ['do b', [second.body.task_ids[0]]],
    ]);
  });

  it("a run's create answer is the same view GET gives right after (computed without re-reading its tasks)", async () => {
    await create({
      name: 'gated',
      steps: [
        s('a', { quality_gate_policy: { required_checks: [{ check: 'handoff-present' }] } }),
        s('b', { role_id: 2, depends_on: ['a'] }),
        s('c', { depends_on: ['a'] }),
      ],
    });
    const created = await call(t.app, 'POST', '/workflow-runs', { workflow_template_id: 1 });
    expect(created.status).toBe(200);
    const got = await call(t.app, 'GET', `/workflow-runs/${created.body.id}`);
    expect(created.body).toEqual(got.body);
    expect(created.body.quality_gate_summary).toMatchObject({
      status: 'pending',
      total_tasks: 3,
      pending_tasks: 3,
      total_checks: 3,
    });
    const role = (role_id: number, n: number) => ({
      role_id,
      task_count: n,
      successful_tasks: 0,
      failed_tasks: 0,
      throughput_tasks: 0,
      success_rate: 0,
      retries_total: 0,
      duration_ms: null,
      total: n,
      success: 0,
      failed: 0,
      active: 0,
    });
    expect(created.body.per_role).toEqual([role(1, 2), role(2, 1)]);
  });

  it('writes workflow_template.created, .updated and .deleted events', async () => {
    await create({ name: 'flow', steps: [s('a')] });
    await create({ name: 'bad', steps: [s('a', { depends_on: ['a'] })] });
    await call(t.app, 'PUT', '/workflow-templates/1', { name: 'flow', steps: [s('a'), s('b')] });
    await call(t.app, 'DELETE', '/workflow-templates/1');
    const events = (await call(t.app, 'GET', '/events')).body.filter((e: any) =>
      e.event_type.startsWith('workflow_template.'),
    );
    expect(events.map((e: any) => [e.event_type, e.payload.step_count])).toEqual([
      ['workflow_template.created', 1],
      ['workflow_template.updated', 2],
      ['workflow_template.deleted', 2],
    ]);
    expect(events[0].payload).toEqual({
      workflow_template_id: 1,
      name: 'flow',
      project_id: null,
      step_count: 1,
    });
  });
});

describe('POST /workflow-templates/recommend', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi();
    for (const name of ['coder', 'review-bot', 'tech writer'])
      expect((await call(t.app, 'POST', '/roles', { name })).status).toBe(200);
  });
  afterEach(() => t.close());

  const tpl = async (name: string, titles: Array<[string, number]>, project_id?: number) => {
    const steps = titles.map(([title, role_id], i) => ({
      step_id: `s${i}`,
      role_id,
      title,
      depends_on: i ? [`s${i - 1}`] : [],
    }));
    const res = await call(t.app, 'POST', '/workflow-templates', { name, project_id, steps });
    expect(res.status).toBe(200);
    return res.body.id as number;
  };
  const recommend = (body: Record<string, unknown>) =>
    call(t.app, 'POST', '/workflow-templates/recommend', body);
  const ids = (res: { body: any }) => res.body.recommendations.map((r: any) => r.workflow_template_id);
  const seedRuns = (templateId: number, statuses: string[]) =>
    t.store.tx(async (sql) => {
      for (const status of statuses)
        await sql.run(
          "INSERT INTO workflow_runs (workflow_template_id, status, created_at, updated_at) VALUES (?, ?, 'x', 'x')",
          [templateId, status],
        );
    });

  it('ranks by token overlap with name, step titles and role names, explaining why', async () => {
    await tpl('Fix login bug', [
      ['Reproduce the bug', 1],
      ['Write the fix', 1],
    ]);
    await tpl('Release notes', [['Draft notes', 3]]);
    await tpl('Quality pass', [['Run tests', 2]]);
    const res = await recommend({ query: 'fix the bug', use_history: false });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      query: 'fix the bug',
      detected_intents: ['bugfix'],
      use_history: false,
      recommendations: [
        {
          workflow_template_id: 1,
          name: 'Fix login bug',
          score: 1,
          reasons: ['name matches: fix, bug'],
          step_count: 2,
          project_id: null,
          reason: 'name matches: fix, bug',
          intent_matches: ['bugfix'],
          historical_runs: 0,
          historical_success_rate: 0,
        },
      ],
    });
    // 'review' only matches a role name (0.4), 'tests' only a step title (0.6, folded to 'test').
    const partial = await recommend({ query: 'review tests', use_history: false });
    expect(partial.body.recommendations).toEqual([
      {
        workflow_template_id: 3,
        name: 'Quality pass',
        score: 0.5,
        reasons: ['step titles match: test', 'roles match: review'],
        step_count: 1,
        project_id: null,
        reason: 'step titles match: test; roles match: review',
        intent_matches: [],
        historical_runs: 0,
        historical_success_rate: 0,
      },
    ]);
    const mixed = await recommend({ query: 'notes writer fix', use_history: false });
    expect(ids(mixed)).toEqual([2, 1]);
    expect(mixed.body.recommendations[0].score).toBeCloseTo((1 + 0.4) / 3, 4);
    expect(mixed.body.recommendations[1].score).toBeCloseTo(1 / 3, 4);
  });

  it('breaks ties by id, honours limit and lists everything for an empty query', async () => {
    for (const name of ['Deploy A', 'Deploy B', 'Deploy C']) await tpl(name, [['ship it', 1]]);
    await tpl('Unrelated', [['other', 1]]);
    expect(ids(await recommend({ query: 'deploy', use_history: false }))).toEqual([1, 2, 3]);
    expect(ids(await recommend({ query: 'deploy', use_history: false, limit: 2 }))).toEqual([1, 2]);
    expect(ids(await recommend({ query: '', use_history: false }))).toEqual([1, 2, 3, 4]);
    expect(ids(await recommend({}))).toEqual([1, 2, 3, 4]);
    expect((await recommend({ query: 'zzz qqq' })).body.recommendations).toEqual([]);
  });

  it('boosts templates whose finished runs succeeded and sinks those that failed', async () => {
    await tpl('Deploy A', [['ship', 1]]);
    await tpl('Deploy B', [['ship', 1]]);
    await tpl('Deploy C', [['ship', 1]]);
    await seedRuns(1, ['failed', 'failed', 'aborted', 'running']);
    await seedRuns(2, ['success', 'success', 'success', 'created']);
    const res = await recommend({ query: 'deploy', use_history: true });
    expect(ids(res)).toEqual([2, 3, 1]);
    const [b, c, a] = res.body.recommendations;
    // (3 + 1) / (3 + 2) = 0.8 → +0.09; (0 + 1) / (3 + 2) = 0.2 → −0.09; live runs do not count.
    expect(b.score).toBeCloseTo(1.09, 4);
    expect(c.score).toBe(1);
    expect(a.score).toBeCloseTo(0.91, 4);
    expect(b.reasons).toContain('history: 3/3 finished runs succeeded');
    expect(a.reasons).toContain('history: 0/3 finished runs succeeded');
    expect(c.reasons).toContain('history: no finished runs yet');
    // v1's history fields: finished runs and the percentage of them that succeeded
    expect([b, c, a].map((r: any) => [r.historical_runs, r.historical_success_rate])).toEqual([
      [3, 100],
      [0, 0],
      [3, 0],
    ]);
    expect(res.body).toMatchObject({ detected_intents: ['release'], use_history: true });
    expect(b.intent_matches).toEqual(['release']);
    expect(ids(await recommend({ query: 'deploy', use_history: false }))).toEqual([1, 2, 3]);
  });

  it('with project_id: drops other projects, keeps global templates, boosts the project', async () => {
    for (const name of ['p1', 'p2'])
      await call(t.app, 'POST', '/projects', { name, root_path: path.join(t.dir, name) });
    await tpl('Deploy global', [['ship', 1]]);
    await tpl('Deploy p1', [['ship', 1]], 1);
    await tpl('Deploy p2', [['ship', 1]], 2);
    const res = await recommend({ query: 'deploy', project_id: 1, use_history: false });
    expect(ids(res)).toEqual([2, 1]);
    expect(res.body.recommendations[0].score).toBeCloseTo(1.2, 4);
    expect(res.body.recommendations[0].reasons).toContain('bound to project 1');
    expect(ids(await recommend({ query: 'deploy', use_history: false }))).toEqual([1, 2, 3]);
  });

  it('refuses an unknown project and invalid bodies', async () => {
    const res = await recommend({ query: 'x', project_id: 9 });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'UNKNOWN_REFERENCE', field: 'project_id' });
    expect((await recommend({ query: 'x', limit: 0 })).body).toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'limit',
    });
    expect((await recommend({ query: 'x', limit: 51 })).body.field).toBe('limit');
  });
});
