// @vitest-environment node
import path from 'node:path';
import YAML from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BranchName,
  EXECUTION_MODES as CONTRACT_MODES,
  MERGE_STRATEGIES as CONTRACT_MERGE_STRATEGIES,
  QUALITY_GATE_CHECKS as CONTRACT_CHECKS,
  RETRY_ON_CATEGORIES as CONTRACT_RETRY_ON,
} from '@multyagents/contracts';
// The CLI's own reader of workflow files (tests may import the control plane; the panel's bundle does not).
import { parseWorkflowText } from '../../../control-plane/src/cli/workflowFile.js';
import {
  call,
  makeTestApi,
  removeTempDirs,
  tempDir,
  type TestApi,
} from '../../../control-plane/test/helpers/context.js';
import {
  BRANCH_NAME,
  canonicalFile,
  EXECUTION_MODES,
  fileToTemplate,
  MERGE_STRATEGIES,
  planSave,
  QUALITY_GATE_CHECKS,
  RETRY_ON_CATEGORIES,
  templateToFile,
  type TemplateView,
  type WorkflowFileDoc,
} from '../../src/lib/workflowFile';
import { checkFileShape } from '../../src/lib/workflowShape';
import { fileText, locate, parseFileText } from '../../src/lib/workflowText';
import { saveWorkflow, type Caller } from '../../src/lib/workflowSave';

/** Every field a step of the API takes, with values the API stores unchanged (no defaults to fill). */
const FILE = `
name: ship it
project: web
execution_mode: isolated-worktree
merge: { enabled: true, strategy: merge-commit, requires_approval: true, target_branch: main }
steps:
  - id: plan
    title: Plan the work
    role: planner
    description: |
      Write the plan.
      Two lines.
    requires_approval: true
    timeout_seconds: 600
    time_to_start_seconds: 60
    retry_policy:
      max_retries: 2
      retry_on: [network, timeout]
      backoff_initial_ms: 500
      backoff_max_ms: 5000
      backoff_multiplier: 3
      jitter: 0
    quality_gate_policy:
      required_checks:
        - { check: handoff-present, required: true, severity: warn, config: {}, description: null }
    executor_params: { mock: { duration_ms: 10, lines: [planning] } }
  - id: build
    title: Build it
    role: builder
    depends_on: [plan]
    required_artifacts: [{ from_step_id: plan, artifact_type: report, label: the plan }]
`;

const doc = (text: string, format: 'json' | 'yaml' = 'yaml'): WorkflowFileDoc => {
  const r = parseFileText(text, format, YAML, null);
  expect(r.issues).toEqual([]);
  return r.doc!;
};

describe('workflow file ↔ template (pure)', () => {
  it('the panel’s copies of contract enums match the contracts', () => {
    expect([...EXECUTION_MODES]).toEqual([...CONTRACT_MODES]);
    expect([...QUALITY_GATE_CHECKS]).toEqual([...CONTRACT_CHECKS]);
    expect([...MERGE_STRATEGIES]).toEqual([...CONTRACT_MERGE_STRATEGIES]);
    // The builder's branch rule answers as the API's schema does.
    for (const b of [
      'main',
      'release/1.x',
      'a+b_c.d-e',
      'x..y',
      '-x',
      '/x',
      'x/',
      'x//y',
      'x.lock',
      'a@{b',
      'a b',
      'é',
    ])
      expect(BRANCH_NAME.test(b), b).toBe(BranchName.safeParse(b).success);
    expect([...RETRY_ON_CATEGORIES]).toEqual([...CONTRACT_RETRY_ON]);
  });

  it('names become ids and back; default merge and empty lists are left out of the file', () => {
    const d = doc(FILE);
    const body = fileToTemplate(
      d,
      new Map([
        ['planner', 4],
        ['builder', 9],
      ]),
      2,
    );
    expect(body.project_id).toBe(2);
    expect(body.steps.map((s) => [s.step_id, s.role_id, s.depends_on])).toEqual([
      ['plan', 4, []],
      ['build', 9, ['plan']],
    ]);
    expect(body.steps[0]).not.toHaveProperty('id');
    const stored: TemplateView = { id: 1, ...body, project_id: 2, execution_mode: null, merge: {} as never };
    stored.merge = { enabled: true, strategy: 'fast-forward', requires_approval: false, target_branch: null };
    const back = templateToFile(
      stored,
      [
        { id: 4, name: 'planner' },
        { id: 9, name: 'builder' },
      ],
      [{ id: 2, name: 'web' }],
    );
    expect(back.problems).toEqual([]);
    expect(back.doc).not.toHaveProperty('merge');
    expect(back.doc).not.toHaveProperty('execution_mode');
    expect(canonicalFile(back.doc).steps).toEqual(canonicalFile(d).steps);
    expect(Object.keys(canonicalFile(back.doc))).toEqual(['name', 'project', 'steps']);
  });

  it('says what names cannot identify: a gone role, a shared role name, an unknown project', () => {
    const t: TemplateView = {
      id: 1,
      name: 'w',
      project_id: 8,
      execution_mode: null,
      merge: { enabled: true, strategy: 'fast-forward', requires_approval: false, target_branch: null },
      steps: [
        { step_id: 'a', role_id: 3, title: 'A', depends_on: [] },
        { step_id: 'b', role_id: 6, title: 'B', depends_on: [] },
      ],
    };
    const { doc: d, problems } = templateToFile(
      t,
      [
        { id: 5, name: 'dev' },
        { id: 6, name: 'dev' },
      ],
      [],
    );
    expect(problems).toEqual([
      'step "a": role 3 does not exist any more',
      'step "b": role 6 shares the name "dev" with role 5, which the name means',
      'project 8 is not in the projects list',
    ]);
    expect(d.steps.map((s) => s.role)).toEqual(['', 'dev']);
  });

  it('plans a save: declared roles that do not exist are created once, unknown names are named', () => {
    const d = doc(`
name: w
project: nope
roles: [{ name: dev }, { name: fresh, system_prompt: hi }]
steps:
  - { id: a, title: A, role: fresh }
  - { id: b, title: B, role: dev }
  - { id: c, title: C, role: ghost }
`);
    expect(planSave(d, [{ id: 1, name: 'dev' }], [])).toEqual({
      create: [{ name: 'fresh', system_prompt: 'hi' }],
      unknownRoles: ['ghost'],
      projectId: null,
      unknownProject: 'nope',
    });
  });
});

describe('raw text: shape and DAG problems name their line', () => {
  it('YAML: unknown fields, wrong types, syntax', () => {
    const text = ['name: w', 'steps:', '  - id: a', '    title: A', '    role: r', '    dependson: [b]'].join(
      '\n',
    );
    expect(parseFileText(text, 'yaml', YAML, null).issues).toEqual([
      { line: 6, code: 'VALIDATION_FAILED', message: 'steps[0].dependson: unknown field "dependson"' },
    ]);
    const typed = 'name: w\nsteps:\n  - id: a\n    title: A\n    role: r\n    timeout_seconds: soon\n';
    expect(parseFileText(typed, 'yaml', YAML, null).issues).toEqual([
      {
        line: 6,
        code: 'VALIDATION_FAILED',
        message: 'steps[0].timeout_seconds: expected a whole number from 1 to 604800',
      },
    ]);
    const bad = parseFileText('name: w\nsteps:\n  - id: [a\n', 'yaml', YAML, null);
    expect(bad.doc).toBeNull();
    expect(bad.issues[0]).toMatchObject({ code: 'SYNTAX' });
    expect(bad.issues[0]!.line).toBeGreaterThanOrEqual(3);
  });

  it('JSON: a syntax error has its line; DAG and name problems point at the field', () => {
    const broken = '{\n  "name": "w",\n  "steps": [\n    { "id": "a", }\n  ]\n}';
    const r = parseFileText(broken, 'json', YAML, null);
    expect(r.doc).toBeNull();
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ code: 'SYNTAX', line: 4 });
    const cyclic = JSON.stringify(
      {
        name: 'w',
        steps: [
          { id: 'a', title: 'A', role: 'r', depends_on: ['b'] },
          { id: 'b', title: 'B', role: 'ghost', depends_on: ['a', 'zz'] },
        ],
      },
      null,
      2,
    );
    const issues = parseFileText(cyclic, 'json', YAML, {
      roles: [{ id: 1, name: 'r' }],
      projects: [],
    }).issues;
    expect(issues.map((x) => [x.line, x.code])).toEqual([
      [18, 'DAG_UNKNOWN_DEPENDENCY'],
      [3, 'DAG_CYCLE'],
      [15, 'ROLE_NOT_FOUND'],
    ]);
    expect(locate(cyclic, ['steps', 1, 'depends_on', 1], YAML)).toBe(18);
  });

  it('refuses what the CLI refuses: twice-declared roles, unknown top-level and role fields', () => {
    const r = checkFileShape({
      name: 'w',
      extra: 1,
      roles: [{ name: 'x' }, { name: 'x', prompt: 'p' }],
      steps: [],
    });
    expect('issues' in r && r.issues.map((x) => x.message)).toEqual([
      'unknown field "extra"',
      'unknown field "prompt"',
      'role "x" is declared twice',
    ]);
  });
});

describe('the CLI reads what the panel writes, and a file survives a trip through the API', () => {
  let t: TestApi | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
    removeTempDirs();
  });

  const caller =
    (api: TestApi): Caller =>
    async <T>(method: string, url: string, body: unknown) => {
      const r = await call(api.app, method, url, body);
      if (r.status !== 200) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body as T;
    };

  it('file → template (POST, real API) → file is identical, and `multyagents run` parses it', async () => {
    t = await makeTestApi();
    const root = path.join(tempDir('ma-ui-wf-'), 'repo');
    expect((await call(t.app, 'POST', '/projects', { name: 'web', root_path: root })).status).toBe(200);
    for (const name of ['planner', 'builder'])
      expect((await call(t.app, 'POST', '/roles', { name })).status).toBe(200);
    const cat = async () => ({
      roles: (await call(t!.app, 'GET', '/roles')).body,
      projects: (await call(t!.app, 'GET', '/projects')).body,
    });
    const first = doc(FILE);
    const saved = await saveWorkflow(caller(t), first, await cat(), null);
    const stored = (await call(t.app, 'GET', `/workflow-templates/${saved.id}`)).body as TemplateView;
    const c = await cat();
    const again = templateToFile(stored, c.roles, c.projects);
    expect(again.problems).toEqual([]);
    for (const format of ['yaml', 'json'] as const) {
      const text = fileText(again.doc, format, YAML);
      expect(text).toBe(fileText(first, format, YAML));
      // The CLI's own schema and cross-checks accept the panel's file, and read what the original says.
      expect(parseWorkflowText(text, format, `panel.${format}`)).toEqual(
        parseWorkflowText(FILE, 'yaml', 'original.yaml'),
      );
    }
  });

  it('declared roles are created on the first save and reused by a replace (PUT)', async () => {
    t = await makeTestApi();
    const text =
      'name: w\nroles: [{ name: fresh, system_prompt: be brief }]\nsteps: [{ id: a, title: A, role: fresh }]\n';
    const roles = async () =>
      (await call(t!.app, 'GET', '/roles')).body as Array<{ id: number; name: string }>;
    const created = await saveWorkflow(caller(t), doc(text), { roles: await roles(), projects: [] }, null);
    expect((await roles()).map((r) => r.name)).toEqual(['fresh']);
    const edited = doc(text.replace('title: A', 'title: A2'));
    const replaced = await saveWorkflow(
      caller(t),
      edited,
      { roles: await roles(), projects: [] },
      created.id,
    );
    expect(replaced.id).toBe(created.id);
    expect(replaced.steps[0]).toMatchObject({ title: 'A2', role_id: (await roles())[0]!.id });
    expect(await roles()).toHaveLength(1);
    expect(parseWorkflowText(fileText(edited, 'yaml', YAML), 'yaml', 'w.yaml').roles).toEqual([
      expect.objectContaining({ name: 'fresh', system_prompt: 'be brief' }),
    ]);
  });
});
