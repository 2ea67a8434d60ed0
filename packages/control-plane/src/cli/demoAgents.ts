import type { SimScript } from '../agentsim/index.js';
import { RESULT_FILE_IN_PROMPT } from '../executors/resultSection.js';
import { WorkflowFile } from './workflowFile.js';

/**
 * What `multyagents demo agents` runs: plan → build → review in one project, each step a real agent CLI
 * playing a script of the scripted model server (agentsim), each in its own git worktree; the run's
 * merge task lands the three commits on the repository's branch. Each script edits files in the project and
 * writes its handoff into the result file it reads off its prompt, as a real model would.
 */
export interface DemoStep {
  id: string;
  marker: string;
  /** Files (relative to the project) the script writes: the demo checks each exists. */
  files: string[];
  script: SimScript;
}

const result = (summary: string, next: string[], files: string[]) =>
  JSON.stringify({
    summary,
    next_actions: next,
    open_questions: [],
    artifacts: files.map((f) => ({ artifact_type: 'file', location: f, summary: '' })),
  });

const write = (path: string, content: string, say?: string) => ({ say, write: { path, content } });
const handoff = (content: string) => ({ write: { pathInPrompt: RESULT_FILE_IN_PROMPT, content } });

export const DEMO_STEPS: DemoStep[] = [
  {
    id: 'plan',
    marker: 'DEMO-STEP-plan',
    files: ['PLAN.md'],
    script: {
      turns: [
        write(
          'PLAN.md',
          '# Plan\n\n1. Add src/greet.js exporting greet(name).\n2. Review it.\n',
          'Planning.',
        ),
        handoff(
          result('Plan in PLAN.md: add src/greet.js with greet(name)', ['write src/greet.js'], ['PLAN.md']),
        ),
        { say: 'Plan written to PLAN.md.' },
      ],
    },
  },
  {
    id: 'build',
    marker: 'DEMO-STEP-build',
    files: ['src/greet.js'],
    script: {
      turns: [
        write(
          'src/greet.js',
          'export function greet(name) {\n  return `Hello, ${name}!`;\n}\n',
          'Building what PLAN.md says.',
        ),
        handoff(result('Added src/greet.js (greet(name))', ['review src/greet.js'], ['src/greet.js'])),
        { say: 'Built src/greet.js.' },
      ],
    },
  },
  {
    id: 'review',
    marker: 'DEMO-STEP-review',
    files: ['REVIEW.md'],
    script: {
      turns: [
        write('REVIEW.md', '# Review\n\nsrc/greet.js matches PLAN.md. Approved.\n', 'Reviewing.'),
        handoff(result('Reviewed src/greet.js: approved (REVIEW.md)', [], ['REVIEW.md'])),
        { say: 'Review written to REVIEW.md.' },
      ],
    },
  },
];

export function demoWorkflow(project: string): WorkflowFile {
  return WorkflowFile.parse({
    name: 'demo agents: plan → build → review',
    project,
    execution_mode: 'isolated-worktree',
    roles: [
      { name: 'demo-planner', system_prompt: 'You plan the change.' },
      { name: 'demo-builder', system_prompt: 'You build what the plan says.' },
      { name: 'demo-reviewer', system_prompt: 'You review the change.' },
    ],
    steps: DEMO_STEPS.map((s, i) => ({
      id: s.id,
      role: ['demo-planner', 'demo-builder', 'demo-reviewer'][i],
      title: `${s.id} the greet() change`,
      description: `Scripted demo step. ${s.marker}`,
      depends_on: i ? [DEMO_STEPS[i - 1]!.id] : [],
      timeout_seconds: 120,
    })),
  });
}
