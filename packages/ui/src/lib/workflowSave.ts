/**
 * Saving a workflow file from the builder, as `multyagents run` applies one: the declared roles that do
 * not exist yet are created (POST /roles), then the template is created (POST) or replaced (PUT).
 * The caller is injected: the panel passes its `api`, tests a client of an in-process API.
 */
import type { Catalogue } from './workflowDraft';
import {
  DEFAULT_MERGE,
  fileToTemplate,
  idsByName,
  planSave,
  type Named,
  type TemplateView,
  type WorkflowFileDoc,
} from './workflowFile';

/** `ifMatch`: the `If-Match` a PUT sends (the template's ETag when the edit started); null: none. */
export type Caller = <T>(
  method: 'POST' | 'PUT',
  path: string,
  body: unknown,
  ifMatch?: string | null,
) => Promise<T>;

/**
 * `replace`: the template id a PUT replaces; null creates a new template. `ifMatch`: the version the
 * replace was made from (a changed template answers 412 EDIT_CONFLICT and is left as stored).
 */
export async function saveWorkflow(
  call: Caller,
  doc: WorkflowFileDoc,
  cat: Catalogue,
  replace: number | null,
  ifMatch: string | null = null,
): Promise<TemplateView> {
  const plan = planSave(doc, cat.roles, cat.projects);
  if (plan.unknownProject !== null) throw new Error(`no project is named "${plan.unknownProject}"`);
  if (plan.unknownRoles.length > 0) throw new Error(`unknown roles: ${plan.unknownRoles.join(', ')}`);
  const ids = idsByName(cat.roles);
  for (const role of plan.create) ids.set(role.name, (await call<Named>('POST', '/roles', role)).id);
  const body = fileToTemplate(doc, ids, plan.projectId);
  if (replace === null) return call<TemplateView>('POST', '/workflow-templates', body);
  // A replace: what the file leaves out goes back to the defaults instead of staying as stored.
  return call<TemplateView>(
    'PUT',
    `/workflow-templates/${replace}`,
    {
      ...body,
      project_id: plan.projectId,
      execution_mode: doc.execution_mode ?? null,
      merge: doc.merge ?? DEFAULT_MERGE,
    },
    ifMatch,
  );
}
