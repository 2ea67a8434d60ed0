/**
 * The skills catalogue: every skill a skill pack may list (`POST /skill-packs` refuses any other with
 * 422 UNKNOWN_SKILL). The ids are the first version's (its `docs/SKILLS_CATALOG.md`), so the packs a
 * first-version client creates keep working; `instructions` is what an agent reads in its prompt under
 * the role's packs. Append-only: a removed id would make stored packs name a skill that is gone.
 * docs/skills-catalog.md is generated from this list (a unit test fails when it is out of date).
 */
export interface SkillEntry {
  readonly id: string;
  readonly instructions: string;
}

export const SKILLS_CATALOG: readonly SkillEntry[] = [
  {
    id: 'skills/task-governance',
    instructions:
      'Work to the acceptance criteria of the task; say which are met, and give the evidence (commands run, their results).',
  },
  {
    id: 'skills/architecture-guard',
    instructions:
      'Keep the existing architecture; when a change needs a new dependency, layer or pattern, say so and why before making it.',
  },
  {
    id: 'skills/api-orchestrator-fastapi',
    instructions:
      'HTTP API work: thin handlers, validated request bodies, stable error codes, and a test per endpoint.',
  },
  {
    id: 'skills/workflow-dag-engine',
    instructions:
      'Workflow logic: keep the DAG acyclic, make state transitions explicit and guarded, and make retries idempotent.',
  },
  {
    id: 'skills/host-runner-codex-cli',
    instructions:
      'Runner and agent-CLI work: pass arguments as an argv (never through a shell string), bound timeouts, capture exit codes.',
  },
  {
    id: 'skills/project-workspace-git',
    instructions:
      'Stay inside the project workspace; commit nothing outside it, never rewrite shared history, keep the work tree clean.',
  },
  {
    id: 'skills/react-control-panel',
    instructions:
      'UI work: typed API calls, visible loading and error states, and no state that duplicates what the API owns.',
  },
  {
    id: 'skills/telegram-human-loop',
    instructions:
      'Operator chat commands: confirm every state-changing command, and never act for a chat that is not allowed.',
  },
  {
    id: 'skills/docker-local-stack',
    instructions:
      'Local stack work: pinned images, health checks, no secrets baked into images, and loopback-only ports by default.',
  },
  {
    id: 'skills/events-artifacts-contract',
    instructions:
      'Events and artifacts: keep their schemas backward compatible; add fields, never rename or remove one.',
  },
  {
    id: 'skills/testing-observability',
    instructions:
      'Write tests that can fail for the behaviour changed, run them, and log with structured fields rather than prose.',
  },
  {
    id: 'skills/context7-integration-policy',
    instructions:
      'Respect the task and role documentation policy (Context7 on or off) and say which sources were consulted.',
  },
  {
    id: 'skills/context7-doc-research',
    instructions:
      'Check the current documentation of a dependency before using its API; name the version the answer is for.',
  },
];

const BY_ID = new Map(SKILLS_CATALOG.map((s) => [s.id, s]));

export function skillEntry(id: string): SkillEntry | undefined {
  return BY_ID.get(id);
}
