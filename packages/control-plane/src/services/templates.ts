import {
  MERGE_STEP_ID,
  MergePolicy,
  type WorkflowTemplate,
  type WorkflowTemplateCreate,
} from '@multyagents/contracts';
import { validateDag } from '../domain/dag.js';
import { etagOf, type IfMatch } from '../domain/etag.js';
import { AppError } from '../lib/errors.js';
import { insertEvent } from '../store/ops/events.js';
import { getProject } from '../store/ops/projects.js';
import { getRolesByIds } from '../store/ops/roles.js';
import * as ops from '../store/ops/templates.js';
import type { Sql } from '../store/sql.js';
import { nowIso, type ServiceContext } from './context.js';
import { checkIfMatch, createVersioned, withRevision, type Versioned } from './editGuard.js';

function notFound(id: number): AppError {
  return new AppError('WORKFLOW_TEMPLATE_NOT_FOUND', `workflow template ${id} not found`);
}

/** The DAG first (pure, names the step field), then the references it makes into the store. */
async function checkTemplate(sql: Sql, body: WorkflowTemplateCreate): Promise<void> {
  // `multyagents.*` names the tasks we add to a run ourselves (the merge task, MERGE_STEP_ID).
  const reserved = MERGE_STEP_ID.slice(0, MERGE_STEP_ID.indexOf('.') + 1);
  const taken = body.steps.findIndex((s) => s.step_id.startsWith(reserved));
  if (taken >= 0)
    throw new AppError(
      'RESERVED_STEP_ID',
      `step_id '${body.steps[taken]!.step_id}' is reserved: ids starting with '${reserved}' name the tasks multyagents adds to a run`,
      { field: `steps[${taken}].step_id` },
    );
  const problem = validateDag(body.steps);
  if (problem) throw new AppError(problem.code, problem.detail, { field: problem.field });
  // An unknown project or role is 404, as in v1 (NotFoundError), with the field named.
  if (body.project_id != null && !(await getProject(sql, body.project_id)))
    throw new AppError('PROJECT_NOT_FOUND', `project ${body.project_id} not found`, {
      field: 'project_id',
    });
  const roles = await getRolesByIds(
    sql,
    body.steps.map((s) => s.role_id),
  );
  const missing = body.steps.findIndex((s) => !roles.has(s.role_id));
  if (missing >= 0)
    throw new AppError('ROLE_NOT_FOUND', `role ${body.steps[missing]!.role_id} not found`, {
      field: `steps[${missing}].role_id`,
    });
}

/** The body as stored: omitted worktree fields take the defaults, or on an update the stored values. */
function stored(body: WorkflowTemplateCreate, before?: WorkflowTemplate): ops.StoredTemplate {
  return {
    ...body,
    merge: body.merge ?? before?.merge ?? MergePolicy.parse({}),
    execution_mode:
      body.execution_mode === undefined ? (before?.execution_mode ?? null) : body.execution_mode,
  };
}

function eventPayload(t: WorkflowTemplate): Record<string, unknown> {
  return { workflow_template_id: t.id, name: t.name, project_id: t.project_id, step_count: t.steps.length };
}

export async function createTemplate(
  ctx: ServiceContext,
  body: WorkflowTemplateCreate,
): Promise<WorkflowTemplate> {
  return (await createTemplateVersioned(ctx, body)).value;
}

/** The created item with its `ETag` (revision 1). */
export async function createTemplateVersioned(
  ctx: ServiceContext,
  body: WorkflowTemplateCreate,
): Promise<Versioned<WorkflowTemplate>> {
  return createVersioned(ctx.store, 'workflow_templates', async (sql) => {
    await checkTemplate(sql, body);
    const now = nowIso(ctx);
    const created = await ops.insertTemplate(sql, stored(body), now);
    await insertEvent(sql, { event_type: 'workflow_template.created', payload: eventPayload(created) }, now);
    return created;
  });
}

export async function getTemplate(ctx: ServiceContext, id: number): Promise<WorkflowTemplate> {
  return (await getTemplateVersioned(ctx, id)).value;
}

export async function getTemplateVersioned(
  ctx: ServiceContext,
  id: number,
): Promise<Versioned<WorkflowTemplate>> {
  const t = await ctx.store.read((sql) =>
    withRevision(sql, 'workflow_templates', id, () => ops.getTemplate(sql, id)),
  );
  if (!t) throw notFound(id);
  return t;
}

export function listTemplates(ctx: ServiceContext): Promise<WorkflowTemplate[]> {
  return ctx.store.read((sql) => ops.listTemplates(sql));
}

/**
 * Runs copy their steps into tasks when created, so replacing a used template is safe. `ifMatch`
 * (null: none, last writer wins) is checked inside the write transaction.
 */
export async function updateTemplate(
  ctx: ServiceContext,
  id: number,
  body: WorkflowTemplateCreate,
  ifMatch: IfMatch | null = null,
): Promise<Versioned<WorkflowTemplate>> {
  return ctx.store.tx(async (sql) => {
    const revision = await checkIfMatch(sql, 'workflow_templates', id, ifMatch, `workflow template ${id}`);
    const before = await ops.getTemplate(sql, id);
    if (!before || revision === undefined) throw notFound(id);
    await checkTemplate(sql, body);
    const now = nowIso(ctx);
    const next = stored(body, before);
    await ops.updateTemplate(sql, id, next, now);
    const updated: WorkflowTemplate = {
      id,
      name: body.name,
      project_id: body.project_id ?? null,
      steps: body.steps,
      execution_mode: next.execution_mode,
      merge: next.merge,
    };
    await insertEvent(sql, { event_type: 'workflow_template.updated', payload: eventPayload(updated) }, now);
    return { value: updated, etag: etagOf(revision + 1) };
  });
}

export async function deleteTemplate(
  ctx: ServiceContext,
  id: number,
  ifMatch: IfMatch | null = null,
): Promise<void> {
  await ctx.store.tx(async (sql) => {
    await checkIfMatch(sql, 'workflow_templates', id, ifMatch, `workflow template ${id}`);
    const t = await ops.getTemplate(sql, id);
    if (!t) throw notFound(id);
    const runs = await ops.templateRunCount(sql, id);
    if (runs > 0)
      throw new AppError(
        'RESOURCE_IN_USE',
        `workflow template ${id} is referenced by ${runs} workflow run(s)`,
        {
          run_count: runs,
        },
      );
    await ops.deleteTemplate(sql, id);
    await insertEvent(
      sql,
      { event_type: 'workflow_template.deleted', payload: eventPayload(t) },
      nowIso(ctx),
    );
  });
}
