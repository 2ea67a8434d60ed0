import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { v1Stack } from './v1Stack.js';

/**
 * shared/reference/first-version.md §1 "Roles", "Skill packs", the references of "Workflow
 * templates" and "Tasks", and §3 "Execution modes": one test per endpoint row, over real HTTP.
 */
const v1 = v1Stack();

const GOV = 'skills/task-governance';
const TESTS = 'skills/testing-observability';

async function ok(method: string, p: string, body?: unknown) {
  const r = await v1.call(method, p, body);
  if (r.status !== 200) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

describe('v1 skill packs', () => {
  it('POST /skill-packs: {name, skills[]} → SkillPackRead; ≥1 skill; skills from the catalog; unique name 409', async () => {
    const created = await v1.call('POST', '/skill-packs', {
      name: 'sp-create',
      skills: [GOV, ` ${TESTS}`, GOV],
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ name: 'sp-create', skills: [GOV, TESTS], used_by_role_ids: [] });
    expect(Number.isInteger(created.body.id)).toBe(true);
    expect((await v1.call('POST', '/skill-packs', { name: 'sp-empty', skills: [] })).status).toBe(422);
    const unknown = await v1.call('POST', '/skill-packs', { name: 'sp-x', skills: ['skills/nope'] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.detail).toBe("unknown skills in pack 'sp-x': skills/nope");
    const dup = await v1.call('POST', '/skill-packs', { name: 'sp-create', skills: [GOV] });
    expect(dup.status).toBe(409);
    expect(dup.body.detail).toBe("skill pack 'sp-create' already exists");
  });

  it('GET /skill-packs, /skill-packs/{id}: used_by_role_ids computed from roles (by pack name)', async () => {
    const pack = await ok('POST', '/skill-packs', { name: 'sp-read', skills: [GOV] });
    const role = await ok('POST', '/roles', { name: 'sp-reader', skill_packs: ['sp-read'] });
    const one = await v1.call('GET', `/skill-packs/${pack.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ id: pack.id, name: 'sp-read', skills: [GOV], used_by_role_ids: [role.id] });
    const list = await v1.call('GET', '/skill-packs');
    expect(list.body).toContainEqual(one.body);
    expect((await v1.call('GET', '/skill-packs/999999')).status).toBe(404);
  });

  it('PUT /skill-packs/{id}: replace with the same checks', async () => {
    const pack = await ok('POST', '/skill-packs', { name: 'sp-put', skills: [GOV] });
    await ok('POST', '/skill-packs', { name: 'sp-put-other', skills: [GOV] });
    const put = await v1.call('PUT', `/skill-packs/${pack.id}`, { name: 'sp-put', skills: [TESTS] });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id: pack.id, name: 'sp-put', skills: [TESTS] });
    expect((await v1.call('PUT', `/skill-packs/${pack.id}`, { name: 'sp-put', skills: ['x'] })).status).toBe(
      422,
    );
    expect(
      (await v1.call('PUT', `/skill-packs/${pack.id}`, { name: 'sp-put-other', skills: [GOV] })).status,
    ).toBe(409);
    expect((await v1.call('PUT', '/skill-packs/999999', { name: 'n', skills: [GOV] })).status).toBe(404);
  });

  it('DELETE /skill-packs/{id}: 204; 409 while a role references the pack name', async () => {
    const pack = await ok('POST', '/skill-packs', { name: 'sp-del', skills: [GOV] });
    const role = await ok('POST', '/roles', { name: 'sp-del-user', skill_packs: ['sp-del'] });
    const refused = await v1.call('DELETE', `/skill-packs/${pack.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toBe(`skill pack 'sp-del' is used by role ${role.id}`);
    await ok('PUT', `/roles/${role.id}`, { name: 'sp-del-user', context7_enabled: false, skill_packs: [] });
    expect((await v1.call('DELETE', `/skill-packs/${pack.id}`)).status).toBe(204);
    expect((await v1.call('GET', `/skill-packs/${pack.id}`)).status).toBe(404);
  });
});

describe('v1 roles', () => {
  it('POST /roles: defaults; list fields trimmed+deduped; skill_packs are pack names (unknown 422); names not unique', async () => {
    await ok('POST', '/skill-packs', { name: 'r-pack', skills: [GOV] });
    const bare = await v1.call('POST', '/roles', { name: 'r-planner' });
    expect(bare.status).toBe(200);
    expect(bare.body).toMatchObject({
      name: 'r-planner',
      context7_enabled: false,
      system_prompt: '',
      allowed_tools: [],
      skill_packs: [],
      execution_constraints: {},
    });
    const full = await v1.call('POST', '/roles', {
      name: 'r-planner',
      context7_enabled: true,
      system_prompt: 'plan',
      allowed_tools: [' git ', 'git', '', 'rg'],
      skill_packs: ['r-pack', ' r-pack '],
      execution_constraints: { retry_policy: { max_retries: 2, retry_on: ['network'] }, team: 'core' },
    });
    expect(full.status).toBe(200);
    expect(full.body.id).not.toBe(bare.body.id);
    expect(full.body).toMatchObject({
      name: 'r-planner',
      allowed_tools: ['git', 'rg'],
      skill_packs: ['r-pack'],
      execution_constraints: { retry_policy: { max_retries: 2, retry_on: ['network'] }, team: 'core' },
    });
    const unknown = await v1.call('POST', '/roles', { name: 'r-x', skill_packs: ['r-pack', 'r-missing'] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.detail).toBe('unknown skill packs: r-missing');
  });

  it('GET /roles, /roles/{id}: read', async () => {
    const role = await ok('POST', '/roles', { name: 'r-read', allowed_tools: ['git'] });
    const one = await v1.call('GET', `/roles/${role.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(role);
    expect((await v1.call('GET', '/roles')).body).toContainEqual(role);
    expect((await v1.call('GET', '/roles/999999')).status).toBe(404);
  });

  it('PUT /roles/{id}: full replace, context7_enabled required', async () => {
    const role = await ok('POST', '/roles', { name: 'r-put', system_prompt: 'a', allowed_tools: ['git'] });
    const put = await v1.call('PUT', `/roles/${role.id}`, { name: 'r-put2', context7_enabled: true });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      id: role.id,
      name: 'r-put2',
      context7_enabled: true,
      system_prompt: '',
      allowed_tools: [],
    });
    expect((await v1.call('PUT', `/roles/${role.id}`, { name: 'r-put3' })).status).toBe(422);
    expect((await v1.call('PUT', '/roles/999999', { name: 'n', context7_enabled: false })).status).toBe(404);
  });

  it('DELETE /roles/{id}: 204; 409 if any task uses the role', async () => {
    const used = await ok('POST', '/roles', { name: 'r-del-used' });
    await ok('POST', '/tasks', { role_id: used.id, title: 'uses the role' });
    expect((await v1.call('DELETE', `/roles/${used.id}`)).status).toBe(409);
    const free = await ok('POST', '/roles', { name: 'r-del-free' });
    expect((await v1.call('DELETE', `/roles/${free.id}`)).status).toBe(204);
    expect((await v1.call('GET', `/roles/${free.id}`)).status).toBe(404);
  });
});

describe('v1 references', () => {
  it('POST /workflow-templates: an unknown role or project is 404', async () => {
    const role = await ok('POST', '/roles', { name: 'ref-role' });
    const step = { step_id: 'a', role_id: 999999, title: 'A' };
    expect((await v1.call('POST', '/workflow-templates', { name: 'ref', steps: [step] })).status).toBe(404);
    const project = await v1.call('POST', '/workflow-templates', {
      name: 'ref',
      project_id: 999999,
      steps: [{ ...step, role_id: role.id }],
    });
    expect(project.status).toBe(404);
  });

  it('GET /tasks?run_id=: 404 if the run is unknown', async () => {
    expect((await v1.call('GET', '/tasks?run_id=999999')).status).toBe(404);
    expect((await v1.call('GET', '/tasks')).status).toBe(200);
  });
});

describe('v1 execution modes (POST /tasks, step overrides)', () => {
  it('POST /tasks: mode validation (shared needs project + lock paths; docker needs project + sandbox; sandbox only for docker) and 404 references', async () => {
    const role = await ok('POST', '/roles', { name: 'mode-role' });
    const root = v1.dirFor('mode-root');
    const project = await ok('POST', '/projects', {
      name: 'mode-project',
      root_path: root,
      allowed_paths: [path.join(root, 'src')],
    });
    const outside = v1.dirFor('mode-outside');
    fs.symlinkSync(outside, path.join(root, 'src', 'escape'));
    const base = { role_id: role.id, title: 'work' };
    const sandbox = { image: 'alpine', command: ['true'] };
    const refusals: Array<[Record<string, unknown>, number, string]> = [
      [
        { execution_mode: 'shared-workspace', lock_paths: [root] },
        422,
        'project_id is required for shared-workspace mode',
      ],
      [
        { execution_mode: 'shared-workspace', project_id: project.id },
        422,
        'lock_paths is required for shared-workspace mode',
      ],
      [
        { execution_mode: 'shared-workspace', project_id: project.id, lock_paths: [`${root}/src/../..`] },
        422,
        `lock path is outside project root: ${path.dirname(root)}`,
      ],
      [
        { execution_mode: 'shared-workspace', project_id: project.id, lock_paths: [`${root}/src/escape`] },
        422,
        `lock path is outside project root: ${outside}`,
      ],
      [
        { execution_mode: 'shared-workspace', project_id: project.id, lock_paths: [`${root}/docs`] },
        422,
        `lock path is outside allowed paths: ${root}/docs`,
      ],
      [{ execution_mode: 'docker-sandbox', sandbox }, 422, 'project_id is required for docker-sandbox mode'],
      [
        { execution_mode: 'docker-sandbox', project_id: project.id },
        422,
        'sandbox is required for docker-sandbox mode',
      ],
      [
        { execution_mode: 'shared-workspace', project_id: project.id, lock_paths: [`${root}/src`], sandbox },
        422,
        'sandbox is supported only for docker-sandbox mode',
      ],
      [
        {
          execution_mode: 'docker-sandbox',
          project_id: project.id,
          sandbox: { ...sandbox, mounts: [{ source: `${root}/src/escape`, target: '/w' }] },
        },
        422,
        `sandbox mount source is outside project root: ${outside}`,
      ],
    ];
    for (const [body, status, detail] of refusals) {
      const r = await v1.call('POST', '/tasks', { ...base, ...body });
      expect(r.status, detail).toBe(status);
      expect(r.body.detail).toBe(detail);
    }
    expect((await v1.call('POST', '/tasks', { ...base, role_id: 999999 })).status).toBe(404);
    expect((await v1.call('POST', '/tasks', { ...base, project_id: 999999 })).status).toBe(404);
    const shared = await v1.call('POST', '/tasks', {
      ...base,
      execution_mode: 'shared-workspace',
      project_id: project.id,
      lock_paths: [`${root}/src/a`, `${root}/src`],
    });
    expect(shared.status).toBe(200);
    expect(shared.body).toMatchObject({ execution_mode: 'shared-workspace', lock_paths: [`${root}/src`] });
  });

  it('POST /workflow-runs: step overrides carry the same mode rules (422)', async () => {
    const role = await ok('POST', '/roles', { name: 'ovr-role' });
    const root = v1.dirFor('ovr-root');
    const project = await ok('POST', '/projects', {
      name: 'ovr-project',
      root_path: root,
      allowed_paths: [],
    });
    const tpl = await ok('POST', '/workflow-templates', {
      name: 'ovr',
      project_id: project.id,
      steps: [{ step_id: 'a', role_id: role.id, title: 'A' }],
    });
    const run = (a: Record<string, unknown>) =>
      v1.call('POST', '/workflow-runs', { workflow_template_id: tpl.id, step_task_overrides: { a } });
    const noLocks = await run({ execution_mode: 'shared-workspace' });
    expect(noLocks.status).toBe(422);
    expect(noLocks.body.detail).toBe('lock_paths is required for shared-workspace mode');
    const outside = await run({ execution_mode: 'shared-workspace', lock_paths: [path.dirname(root)] });
    expect(outside.status).toBe(422);
    expect(outside.body.detail).toBe(`lock path is outside project root: ${path.dirname(root)}`);
    expect(
      (await run({ execution_mode: 'no-workspace', sandbox: { image: 'a', command: ['b'] } })).status,
    ).toBe(422);
    const good = await run({ execution_mode: 'shared-workspace', lock_paths: [root] });
    expect(good.status).toBe(200);
  });
});
