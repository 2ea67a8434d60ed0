import type { WorkflowTemplate, WorkflowTemplateCreate } from '@multyagents/contracts';
import { validateDag } from '../domain/dag.js';
import { AppError } from '../lib/errors.js';
import { insertEvent } from '../store/ops/events.js';
import { getProject } from '../store/ops/projects.js';
import { getRolesByIds } from '../store/ops/roles.js';
import * as ops from '../store/ops/templates.js';
import type { Sql } from '../store/sql.js';
import { nowIso, type ServiceContext } from './context.js';

function notFound(id: number): AppError {
  return new AppError('WORKFLOW_TEMPLATE_NOT_FOUND', `workflow template ${id} not found`);
}

/** The DAG first (pure, names the step field), then the references it makes into the store. */
async function checkTemplate(sql: Sql, body: WorkflowTemplateCreate): Promise<void> {
  const problem = validateDag(body.steps);
  if (problem) throw new AppError(problem.code, problem.detail, { field: problem.field });
  if (body.project_id != null && !(await getProject(sql, body.project_id)))
    throw new AppError('UNKNOWN_REFERENCE', `project ${body.project_id} does not exist`, {
      field: 'project_id',
    });
  const roles = await getRolesByIds(
    sql,
    body.steps.map((s) => s.role_id),
  );
  const missing = body.steps.findIndex((s) => !roles.has(s.role_id));
  if (missing >= 0)
    throw new AppError('UNKNOWN_REFERENCE', `role ${body.steps[missing]!.role_id} does not exist`, {
      field: `steps[${missing}].role_id`,
    });
}

function eventPayload(t: WorkflowTemplate): Record<string, unknown> {
  return { workflow_template_id: t.id, name: t.name, project_id: t.project_id, step_count: t.steps.length };
}

export async function createTemplate(
  ctx: ServiceContext,
  body: WorkflowTemplateCreate,
): Promise<WorkflowTemplate> {
  return ctx.store.tx(async (sql) => {
    await checkTemplate(sql, body);
    const now = nowIso(ctx);
    const created = await ops.insertTemplate(sql, body, now);
    await insertEvent(sql, { event_type: 'workflow_template.created', payload: eventPayload(created) }, now);
    return created;
  });
}

export async function getTemplate(ctx: ServiceContext, id: number): Promise<WorkflowTemplate> {
  const t = await ctx.store.read((sql) => ops.getTemplate(sql, id));
  if (!t) throw notFound(id);
  return t;
}

export function listTemplates(ctx: ServiceContext): Promise<WorkflowTemplate[]> {
  return ctx.store.read((sql) => ops.listTemplates(sql));
}

/** Runs copy their steps into tasks when created, so replacing a used template is safe. */
export async function updateTemplate(
  ctx: ServiceContext,
  id: number,
  body: WorkflowTemplateCreate,
): Promise<WorkflowTemplate> {
  return ctx.store.tx(async (sql) => {
    if (!(await ops.getTemplate(sql, id))) throw notFound(id);
    await checkTemplate(sql, body);
    const now = nowIso(ctx);
    await ops.updateTemplate(sql, id, body, now);
    const updated = { id, name: body.name, project_id: body.project_id ?? null, steps: body.steps };
    await insertEvent(sql, { event_type: 'workflow_template.updated', payload: eventPayload(updated) }, now);
    return updated;
  });
}

export async function deleteTemplate(ctx: ServiceContext, id: number): Promise<void> {
  await ctx.store.tx(async (sql) => {
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
