import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/errors.js';
import { sameSteps } from '../../src/cli/runApi.js';
import {
  loadWorkflowFile,
  parseWorkflowText,
  referencedRoles,
  templateBody,
} from '../../src/cli/workflowFile.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

function parseErr(doc: unknown): CliError {
  try {
    parseWorkflowText(JSON.stringify(doc), 'json', 'wf.json');
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return err as CliError;
  }
  throw new Error('expected the document to be refused');
}

const base = {
  name: 'demo',
  roles: [{ name: 'dev' }],
  steps: [
    { id: 'a', role: 'dev', title: 'A' },
    { id: 'b', role: 'dev', title: 'B', depends_on: ['a'] },
  ],
};

describe('workflow file parser', () => {
  it('accepts the example in examples/two-step.json and maps names to ids', () => {
    const wf = loadWorkflowFile(path.join(ROOT, 'examples/two-step.json'));
    expect(wf.steps.map((s) => s.id)).toEqual(['plan', 'build']);
    expect(referencedRoles(wf)).toEqual(['planner', 'builder']);
    const body = templateBody(
      wf,
      new Map([
        ['planner', 7],
        ['builder', 9],
      ]),
      null,
    );
    expect(body.steps[1]).toMatchObject({ step_id: 'build', role_id: 9, depends_on: ['plan'] });
    expect(body.steps[0]).not.toHaveProperty('id');
    expect(body.steps[0]).not.toHaveProperty('role');
    expect(body).not.toHaveProperty('project_id');
  });

  it('reads YAML by extension, with the same result as JSON', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-wf-'));
    try {
      const file = path.join(dir, 'wf.yaml');
      fs.writeFileSync(
        file,
        'name: demo\nroles:\n  - name: dev\nsteps:\n  - id: a\n    role: dev\n    title: A\n' +
          '  - id: b\n    role: dev\n    title: B\n    depends_on: [a]\n',
      );
      expect(loadWorkflowFile(file)).toEqual(parseWorkflowText(JSON.stringify(base), 'json', 'x'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the field of a schema error and exits with the usage code', () => {
    const err = parseErr({ ...base, steps: [{ id: 'a', role: 'dev' }] });
    expect(err.code).toBe('WORKFLOW_FILE_INVALID');
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/^wf\.json: steps\[0\]\.title: /);
  });

  it('refuses unknown fields (typos are not silently ignored)', () => {
    const err = parseErr({ ...base, steps: [{ id: 'a', role: 'dev', title: 'A', dependson: ['x'] }] });
    expect(err.message).toMatch(/dependson/);
  });

  it('refuses duplicate step ids, duplicate roles, unknown and self dependencies, cycles', () => {
    expect(parseErr({ ...base, steps: [base.steps[0], base.steps[0]] }).message).toMatch(/"a" is used twice/);
    expect(parseErr({ ...base, roles: [{ name: 'dev' }, { name: 'dev' }] }).message).toMatch(
      /"dev" is declared twice/,
    );
    expect(
      parseErr({ ...base, steps: [{ id: 'a', role: 'dev', title: 'A', depends_on: ['zz'] }] }).message,
    ).toMatch(/unknown step "zz"/);
    expect(
      parseErr({ ...base, steps: [{ id: 'a', role: 'dev', title: 'A', depends_on: ['a'] }] }).message,
    ).toMatch(/depends on itself/);
    const cyc = parseErr({
      ...base,
      steps: [
        { id: 'a', role: 'dev', title: 'A', depends_on: ['c'] },
        { id: 'b', role: 'dev', title: 'B', depends_on: ['a'] },
        { id: 'c', role: 'dev', title: 'C', depends_on: ['b'] },
      ],
    });
    expect(cyc.message).toMatch(/cycle: a -> c -> b -> a/);
  });

  it('reports malformed JSON and YAML with the file name', () => {
    expect(() => parseWorkflowText('{"name":', 'json', 'bad.json')).toThrow(/^bad\.json: not valid JSON/);
    expect(() => parseWorkflowText('name: [unclosed', 'yaml', 'bad.yaml')).toThrow(
      /^bad\.yaml: not valid YAML/,
    );
  });

  it('reports a missing file as unreadable', () => {
    expect(() => loadWorkflowFile('/nonexistent/wf.json')).toThrow(
      /cannot read \/nonexistent\/wf\.json \(ENOENT\)/,
    );
  });

  it('allows a step to name a role not declared in the file (it must exist on the API)', () => {
    const wf = parseWorkflowText(
      JSON.stringify({ name: 'x', steps: [{ id: 'a', role: 'existing', title: 'A' }] }),
      'json',
      'x',
    );
    expect(referencedRoles(wf)).toEqual(['existing']);
  });
});

describe('template reuse', () => {
  it('compares only the keys sent, so server-added fields do not prevent reuse', () => {
    const sent = [{ step_id: 'a', role_id: 1, title: 'A', depends_on: [], required_artifacts: [] }];
    const stored = [{ ...sent[0], quality_gate_policy: null, description: null }];
    expect(sameSteps(sent, stored)).toBe(true);
    expect(sameSteps(sent, [{ ...stored[0], title: 'other' }])).toBe(false);
    expect(sameSteps(sent, [...stored, ...stored])).toBe(false);
  });
});
