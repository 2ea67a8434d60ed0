import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SKILLS_CATALOG, skillEntry } from '@multyagents/contracts';
import { describe, expect, it } from 'vitest';
import { renderSkillsDoc } from '../../src/lib/skillsDoc.js';

const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../docs/skills-catalog.md');

/** The first version's catalogue (its docs/SKILLS_CATALOG.md): packs naming these must keep working. */
const V1_SKILLS = [
  'skills/task-governance',
  'skills/architecture-guard',
  'skills/api-orchestrator-fastapi',
  'skills/workflow-dag-engine',
  'skills/host-runner-codex-cli',
  'skills/project-workspace-git',
  'skills/react-control-panel',
  'skills/telegram-human-loop',
  'skills/docker-local-stack',
  'skills/events-artifacts-contract',
  'skills/testing-observability',
  'skills/context7-integration-policy',
  'skills/context7-doc-research',
];

describe('skills catalogue', () => {
  it('docs/skills-catalog.md is regenerated from the catalogue (regenerating changes nothing)', () => {
    expect(fs.readFileSync(DOC, 'utf8')).toBe(renderSkillsDoc());
  });
  it('holds every first-version skill id, once, each with instructions', () => {
    for (const id of V1_SKILLS) expect(skillEntry(id)?.instructions, id).toMatch(/\S/);
    const ids = SKILLS_CATALOG.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(skillEntry('write tests first')).toBeUndefined();
  });
});
