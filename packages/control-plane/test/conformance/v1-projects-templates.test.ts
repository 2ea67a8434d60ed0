import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { v1Stack } from './v1Stack.js';

/**
 * shared/reference/first-version.md §1 "Projects" and "Workflow templates", one test per row, written
 * from the reference (shape, status code). Deliberate differences are named with their
 * docs/compatibility.md entry ("Projects, templates, runs, tasks, approvals and lists").
 */
const v1 = v1Stack();

let seq = 0;
const name = (p: string) => `${p}-${++seq}`;

async function role(): Promise<number> {
  const r = await v1.call('POST', '/roles', { name: name('tpl-role'), context7_enabled: false });
  expect(r.status).toBe(200);
  return r.body.id;
}

async function project(): Promise<{ id: number; root: string }> {
  const root = path.join(v1.dir, 'roots', name('p'));
  const r = await v1.call('POST', '/projects', { name: name('proj'), root_path: root, allowed_paths: [] });
  expect(r.status).toBe(200);
  return { id: r.body.id, root };
}

describe('v1 projects', () => {
  it('POST /projects → ProjectRead; root and allowed paths are resolved and made on disk; relative or outside paths 422', async () => {
    const root = path.join(v1.dir, 'roots', 'fresh', 'repo');
    expect(fs.existsSync(root)).toBe(false);
    const r = await v1.call('POST', '/projects', {
      name: 'fresh',
      root_path: `${root}/./`,
      allowed_paths: [`${root}/src/../docs`],
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      name: 'fresh',
      root_path: root,
      allowed_paths: [path.join(root, 'docs')],
    });
    expect(Number.isInteger(r.body.id)).toBe(true);
    expect(fs.statSync(root).isDirectory()).toBe(true);
    expect(fs.statSync(path.join(root, 'docs')).isDirectory()).toBe(true);
    const relative = await v1.call('POST', '/projects', { name: 'rel', root_path: 'rel/dir' });
    expect(relative.status).toBe(422);
    const outside = await v1.call('POST', '/projects', {
      name: 'out',
      root_path: root,
      allowed_paths: [path.join(v1.dir, 'elsewhere')],
    });
    expect(outside.status).toBe(422);
  });

  it('GET /projects → list', async () => {
    const a = await project();
    const b = await project();
    const r = await v1.call('GET', '/projects');
    expect(r.status).toBe(200);
    const ids = r.body.map((p: { id: number }) => p.id);
    expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
    for (const p of r.body)
      expect(Object.keys(p)).toEqual(expect.arrayContaining(['id', 'name', 'root_path', 'allowed_paths']));
  });

  it('GET /projects/{id} → the project; 404 if missing', async () => {
    const p = await project();
    const r = await v1.call('GET', `/projects/${p.id}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: p.id, root_path: p.root, allowed_paths: [] });
    const missing = await v1.call('GET', '/projects/99999');
    expect(missing.status).toBe(404);
    expect(typeof missing.body.detail).toBe('string');
  });

  it('PUT /projects/{id} → full replace with the same validation', async () => {
    const p = await project();
    const lib = path.join(p.root, 'lib');
    const r = await v1.call('PUT', `/projects/${p.id}`, {
      name: name('renamed'),
      root_path: p.root,
      allowed_paths: [lib],
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: p.id, root_path: p.root, allowed_paths: [lib] });
    expect((await v1.call('GET', `/projects/${p.id}`)).body.allowed_paths).toEqual([lib]);
    // full replace: allowed_paths left out → []
    const cleared = await v1.call('PUT', `/projects/${p.id}`, { name: r.body.name, root_path: p.root });
    expect(cleared.body.allowed_paths).toEqual([]);
    const bad = await v1.call('PUT', `/projects/${p.id}`, {
      name: r.body.name,
      root_path: p.root,
      allowed_paths: ['/not/under/root'],
    });
    expect(bad.status).toBe(422);
    expect((await v1.call('PUT', '/projects/99999', { name: 'x', root_path: p.root })).status).toBe(404);
  });

  it('DELETE /projects/{id} → 204; 409 while a template or a task references it', async () => {
    const free = await project();
    const del = await v1.call('DELETE', `/projects/${free.id}`);
    expect(del.status).toBe(204);
    expect((await v1.call('GET', `/projects/${free.id}`)).status).toBe(404);

    const roleId = await role();
    const byTemplate = await project();
    const tpl = await v1.call('POST', '/workflow-templates', {
      name: name('t'),
      project_id: byTemplate.id,
      steps: [{ step_id: 'a', role_id: roleId, title: 'A' }],
    });
    expect(tpl.status).toBe(200);
    expect((await v1.call('DELETE', `/projects/${byTemplate.id}`)).status).toBe(409);

    const byTask = await project();
    const task = await v1.call('POST', '/tasks', { role_id: roleId, title: 'T', project_id: byTask.id });
    expect(task.status).toBe(200);
    expect((await v1.call('DELETE', `/projects/${byTask.id}`)).status).toBe(409);
  });
});

describe('v1 workflow templates', () => {
  it('POST /workflow-templates → steps with v1 fields; DAG validated (duplicate, unknown dep, self-dep, cycle, from_step_id ∉ depends_on → 422)', async () => {
    const r0 = await role();
    const step = (id: string, extra: Record<string, unknown> = {}) => ({
      step_id: id,
      role_id: r0,
      title: id.toUpperCase(),
      ...extra,
    });
    const ok = await v1.call('POST', '/workflow-templates', {
      name: name('dag'),
      steps: [
        step('plan'),
        step('build', {
          depends_on: ['plan'],
          required_artifacts: [{ from_step_id: 'plan', artifact_type: 'report', label: 'spec' }],
        }),
      ],
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ name: expect.any(String), project_id: null });
    expect(ok.body.steps[1]).toMatchObject({
      step_id: 'build',
      role_id: r0,
      title: 'BUILD',
      depends_on: ['plan'],
      required_artifacts: [{ from_step_id: 'plan', artifact_type: 'report', label: 'spec' }],
    });
    const bad = [
      [step('a'), step('a')],
      [step('a', { depends_on: ['nope'] })],
      [step('a', { depends_on: ['a'] })],
      [step('a', { depends_on: ['b'] }), step('b', { depends_on: ['a'] })],
      [step('a'), step('b', { required_artifacts: [{ from_step_id: 'a' }] })],
      [],
    ];
    for (const steps of bad) {
      const r = await v1.call('POST', '/workflow-templates', { name: name('bad'), steps });
      expect(r.status, JSON.stringify(steps)).toBe(422);
    }
  });

  it('GET /workflow-templates, /workflow-templates/{id} → read; 404 if missing', async () => {
    const r0 = await role();
    const created = await v1.call('POST', '/workflow-templates', {
      name: name('read'),
      steps: [{ step_id: 'only', role_id: r0, title: 'Only' }],
    });
    const list = await v1.call('GET', '/workflow-templates');
    expect(list.status).toBe(200);
    expect(list.body.map((t: { id: number }) => t.id)).toContain(created.body.id);
    const one = await v1.call('GET', `/workflow-templates/${created.body.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: created.body.id, name: created.body.name, project_id: null });
    expect(one.body.steps.map((s: { step_id: string }) => s.step_id)).toEqual(['only']);
    expect((await v1.call('GET', '/workflow-templates/99999')).status).toBe(404);
  });

  it('PUT /workflow-templates/{id} → replace; an existing run keeps its tasks', async () => {
    const r0 = await role();
    const created = await v1.call('POST', '/workflow-templates', {
      name: name('put'),
      steps: [
        { step_id: 'a', role_id: r0, title: 'A' },
        { step_id: 'b', role_id: r0, title: 'B', depends_on: ['a'] },
      ],
    });
    const run = await v1.call('POST', '/workflow-runs', { workflow_template_id: created.body.id });
    expect(run.status).toBe(200);
    const put = await v1.call('PUT', `/workflow-templates/${created.body.id}`, {
      name: 'replaced',
      steps: [{ step_id: 'z', role_id: r0, title: 'Z' }],
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id: created.body.id, name: 'replaced' });
    expect(put.body.steps.map((s: { step_id: string }) => s.step_id)).toEqual(['z']);
    const after = await v1.call('GET', `/workflow-runs/${run.body.id}`);
    expect(after.body.task_ids).toEqual(run.body.task_ids);
    const titles = [];
    for (const id of run.body.task_ids) titles.push((await v1.call('GET', `/tasks/${id}`)).body.title);
    expect(titles).toEqual(['A', 'B']);
    const bad = await v1.call('PUT', `/workflow-templates/${created.body.id}`, {
      name: 'cyclic',
      steps: [{ step_id: 'x', role_id: r0, title: 'X', depends_on: ['x'] }],
    });
    expect(bad.status).toBe(422);
  });

  it('DELETE /workflow-templates/{id} → 204; one a run refers to is 409 (ours: compatibility.md "DELETE /workflow-templates/{id}")', async () => {
    const r0 = await role();
    const mk = () =>
      v1.call('POST', '/workflow-templates', {
        name: name('del'),
        steps: [{ step_id: 'a', role_id: r0, title: 'A' }],
      });
    const unused = (await mk()).body.id;
    expect((await v1.call('DELETE', `/workflow-templates/${unused}`)).status).toBe(204);
    expect((await v1.call('GET', `/workflow-templates/${unused}`)).status).toBe(404);
    // v1 deleted it anyway (no reference check); ours keeps what a run was created from.
    const used = (await mk()).body.id;
    expect((await v1.call('POST', '/workflow-runs', { workflow_template_id: used })).status).toBe(200);
    const refused = await v1.call('DELETE', `/workflow-templates/${used}`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('RESOURCE_IN_USE');
  });

  it('POST /workflow-templates/recommend → {query, detected_intents, use_history, recommendations[v1 fields]}; limit 1..', async () => {
    const r0 = await role();
    const tpl = await v1.call('POST', '/workflow-templates', {
      name: name('Bugfix fast lane'),
      steps: [
        { step_id: 'reproduce', role_id: r0, title: 'Reproduce the bug' },
        { step_id: 'fix', role_id: r0, title: 'Fix it', depends_on: ['reproduce'] },
      ],
    });
    const r = await v1.call('POST', '/workflow-templates/recommend', {
      query: 'fix the login bug',
      limit: 5,
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ query: 'fix the login bug', use_history: true });
    expect(r.body.detected_intents).toContain('bugfix');
    const rec = r.body.recommendations.find(
      (x: { workflow_template_id: number }) => x.workflow_template_id === tpl.body.id,
    );
    expect(rec).toMatchObject({
      workflow_template_id: tpl.body.id,
      name: tpl.body.name,
      project_id: null,
      historical_runs: 0,
      historical_success_rate: 0,
    });
    expect(typeof rec.score).toBe('number');
    expect(typeof rec.reason).toBe('string');
    expect(rec.intent_matches).toContain('bugfix');
    const defaults = await v1.call('POST', '/workflow-templates/recommend', {});
    expect(defaults.status).toBe(200);
    expect(defaults.body).toMatchObject({ query: '', use_history: true, detected_intents: [] });
    expect(defaults.body.recommendations.length).toBeLessThanOrEqual(5);
    expect((await v1.call('POST', '/workflow-templates/recommend', { limit: 0 })).status).toBe(422);
  });
});
