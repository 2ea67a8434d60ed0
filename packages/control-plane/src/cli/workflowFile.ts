import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import YAML from 'yaml';
import {
  ExecutionMode,
  MergePolicy,
  NonEmptyName,
  RoleCreate,
  StepId,
  WorkflowStep,
  type WorkflowTemplateCreate,
} from '@multyagents/contracts';
import { CliError, EXIT } from './errors.js';

/**
 * The workflow file `multyagents run` accepts (JSON or YAML; docs/cli.md "Workflow files").
 * Roles and steps refer to each other by name, so a file works against any API: `run` creates the
 * roles that do not exist yet, reuses the ones that do, then creates the template.
 */
const FileStep = WorkflowStep.omit({ step_id: true, role_id: true })
  .extend({
    id: StepId,
    /** Name of a role declared in `roles`, or of a role that already exists on the API. */
    role: NonEmptyName,
  })
  .strict();

export const WorkflowFile = z
  .object({
    name: NonEmptyName,
    description: z.string().max(10_000).optional(),
    /** Name of an existing project (see `multyagents init-project`). */
    project: NonEmptyName.optional(),
    /** Every step's execution mode (default: shared-workspace with a project, else no-workspace). */
    execution_mode: ExecutionMode.optional(),
    /** isolated-worktree: how the run's result lands on the target branch (docs/worktrees.md). */
    merge: MergePolicy.optional(),
    roles: z.array(RoleCreate.strict()).max(200).default([]),
    steps: z.array(FileStep).min(1).max(500),
  })
  .strict();
export type WorkflowFile = z.infer<typeof WorkflowFile>;

function invalid(source: string, message: string): CliError {
  return new CliError('WORKFLOW_FILE_INVALID', `${source}: ${message}`, {
    hint: 'see "Workflow files" in docs/cli.md (or examples/two-step.json)',
    exitCode: EXIT.usage,
  });
}

function issuePath(p: ReadonlyArray<PropertyKey>): string {
  return p.reduce<string>(
    (acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)),
    '',
  );
}

/** Checks zod cannot express: unique ids and names, known dependencies, no cycles. */
function crossCheck(wf: WorkflowFile, source: string): void {
  const seenRoles = new Set<string>();
  for (const r of wf.roles) {
    if (seenRoles.has(r.name)) throw invalid(source, `role "${r.name}" is declared twice`);
    seenRoles.add(r.name);
  }
  const ids = new Set<string>();
  for (const s of wf.steps) {
    if (ids.has(s.id)) throw invalid(source, `step id "${s.id}" is used twice`);
    ids.add(s.id);
  }
  for (const s of wf.steps) {
    for (const d of s.depends_on) {
      if (d === s.id) throw invalid(source, `step "${s.id}" depends on itself`);
      if (!ids.has(d)) throw invalid(source, `step "${s.id}" depends on unknown step "${d}"`);
    }
  }
  const deps = new Map(wf.steps.map((s) => [s.id, s.depends_on]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, trail: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting')
      throw invalid(source, `steps form a cycle: ${[...trail, id].join(' -> ')}`);
    state.set(id, 'visiting');
    for (const d of deps.get(id) ?? []) visit(d, [...trail, id]);
    state.set(id, 'done');
  };
  for (const s of wf.steps) visit(s.id, []);
}

/** Parse and validate a workflow document. `format` comes from the file extension. */
export function parseWorkflowText(text: string, format: 'json' | 'yaml', source: string): WorkflowFile {
  let doc: unknown;
  try {
    doc = format === 'json' ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw invalid(source, `not valid ${format.toUpperCase()}: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = WorkflowFile.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issuePath(issue.path);
    throw invalid(source, `${where ? `${where}: ` : ''}${issue.message}`);
  }
  crossCheck(parsed.data, source);
  return parsed.data;
}

export function loadWorkflowFile(file: string): WorkflowFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(
      'WORKFLOW_FILE_UNREADABLE',
      `cannot read ${file} (${(err as NodeJS.ErrnoException).code})`,
      {
        exitCode: EXIT.usage,
      },
    );
  }
  const ext = path.extname(file).toLowerCase();
  return parseWorkflowText(text, ext === '.yaml' || ext === '.yml' ? 'yaml' : 'json', file);
}

/** Role names every step needs, in first-use order. */
export function referencedRoles(wf: WorkflowFile): string[] {
  return [...new Set(wf.steps.map((s) => s.role))];
}

/** The `POST /workflow-templates` body once role names are resolved to ids. */
export function templateBody(
  wf: WorkflowFile,
  roleIds: ReadonlyMap<string, number>,
  projectId: number | null,
): WorkflowTemplateCreate {
  return {
    name: wf.name,
    ...(projectId !== null ? { project_id: projectId } : {}),
    ...(wf.execution_mode ? { execution_mode: wf.execution_mode } : {}),
    ...(wf.merge ? { merge: wf.merge } : {}),
    steps: wf.steps.map(({ id, role, ...rest }) => {
      const roleId = roleIds.get(role);
      if (roleId === undefined) throw new Error(`role "${role}" was not resolved`);
      return { step_id: id, role_id: roleId, ...rest };
    }),
  };
}
