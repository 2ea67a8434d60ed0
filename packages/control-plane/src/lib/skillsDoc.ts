import { SKILLS_CATALOG } from '@multyagents/contracts';

/** docs/skills-catalog.md is generated from the catalogue; a unit test fails when it is out of date. */
export function renderSkillsDoc(): string {
  const lines = [
    '# Skills catalogue',
    '',
    '<!-- Generated from packages/contracts/src/skills.ts by `node packages/control-plane/dist/lib/skillsDoc.js > docs/skills-catalog.md`. Do not edit by hand. -->',
    '',
    'A skill pack (`POST /skill-packs {name, skills[]}`) lists skills by id; every id must be one of the',
    "catalogue below, else the pack is refused with 422 `UNKNOWN_SKILL`. The ids are the first version's",
    '(its `docs/SKILLS_CATALOG.md`), so packs created by first-version clients keep working. A role names',
    'its packs (`skill_packs: ["<pack name>"]`); at dispatch the agent\'s prompt lists, under `# Skills`,',
    'each pack of the role and each of its skills with the instructions below. `GET /skills` serves this',
    'table as JSON. The catalogue is append-only.',
    '',
    '| # | skill id | what the agent is told |',
    '|---|---|---|',
  ];
  SKILLS_CATALOG.forEach((s, i) => lines.push(`| ${i + 1} | \`${s.id}\` | ${s.instructions} |`));
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').slice(-3).join('/'))) {
  process.stdout.write(renderSkillsDoc());
}
