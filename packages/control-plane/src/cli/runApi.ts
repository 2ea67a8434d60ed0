import { isDeepStrictEqual } from 'node:util';
import { MergePolicy, type WorkflowTemplateCreate } from '@multyagents/contracts';
import { CliError, EXIT } from './errors.js';
import { HttpError, type JsonClient } from './http.js';
import { referencedRoles, templateBody, type WorkflowFile } from './workflowFile.js';

/** The fields of a task the CLI shows (GET /tasks?run_id=). */
export interface TaskView {
  id: number;
  status: string;
  attempt?: number | null;
  runner_id?: number | null;
  step_id?: string | null;
  title: string;
  started_at?: string | null;
  finished_at?: string | null;
  failure_category?: string | null;
  failure_step?: string | null;
  failure_triage_hints?: string[];
  suggested_next_actions?: string[];
  [key: string]: unknown;
}

export interface RunView {
  id: number;
  status: string;
  task_ids: number[];
  workflow_template_id?: number | null;
  [key: string]: unknown;
}

interface Named {
  id: number;
  name: string;
}

interface TemplateView extends Named {
  steps: Array<Record<string, unknown>>;
}

export interface AppliedWorkflow {
  template_id: number;
  template_reused: boolean;
  roles: Array<{ name: string; id: number; created: boolean }>;
}

/** The stored steps equal what we would send, comparing only the keys we send (the API may add more). */
export function sameSteps(
  sent: WorkflowTemplateCreate['steps'],
  stored: Array<Record<string, unknown>>,
): boolean {
  if (sent.length !== stored.length) return false;
  return sent.every((step, i) =>
    Object.entries(step).every(([k, v]) => v === undefined || isDeepStrictEqual(v, stored[i][k])),
  );
}

/** Execution mode and merge policy as the file gives them (absent: the API's defaults). */
function sameSettings(sent: WorkflowTemplateCreate, stored: Record<string, unknown>): boolean {
  const mode = sent.execution_mode ?? null;
  if ((stored.execution_mode ?? null) !== mode) return false;
  return sent.merge === undefined || isDeepStrictEqual(MergePolicy.parse(sent.merge), stored.merge);
}

/**
 * Create what a workflow file declares: roles that do not exist yet (by name), then the template —
 * unless a template of the same name with the same steps exists, which is reused.
 */
export async function applyWorkflow(api: JsonClient, wf: WorkflowFile): Promise<AppliedWorkflow> {
  const existing = await api.get<Named[]>('/roles');
  // Role names are not unique (as in v1): a name means its lowest id (the list is in id order).
  const byName = new Map<string, number>();
  for (const r of [...existing].sort((a, b) => a.id - b.id))
    if (!byName.has(r.name)) byName.set(r.name, r.id);
  const roles: AppliedWorkflow['roles'] = [];
  for (const role of wf.roles) {
    const id = byName.get(role.name);
    if (id !== undefined) {
      roles.push({ name: role.name, id, created: false });
      continue;
    }
    const created = await api.post<Named>('/roles', role);
    byName.set(role.name, created.id);
    roles.push({ name: role.name, id: created.id, created: true });
  }
  for (const name of referencedRoles(wf)) {
    if (!byName.has(name)) {
      throw new CliError(
        'ROLE_NOT_FOUND',
        `role "${name}" is neither declared in the file nor known to the API`,
        {
          hint: 'add it under "roles" in the workflow file',
          exitCode: EXIT.usage,
        },
      );
    }
  }
  let projectId: number | null = null;
  if (wf.project) {
    const projects = await api.get<Named[]>('/projects');
    const p = projects.find((x) => x.name === wf.project);
    if (!p) {
      throw new CliError('PROJECT_NOT_FOUND', `project "${wf.project}" does not exist on the API`, {
        hint: 'create it with `multyagents init-project <name> <abs path>`',
        exitCode: EXIT.usage,
      });
    }
    projectId = p.id;
  }
  const body = templateBody(wf, byName, projectId);
  const templates = await api.get<TemplateView[]>('/workflow-templates');
  const same = templates.find(
    (t) =>
      t.name === body.name &&
      ((t as { project_id?: number | null }).project_id ?? null) === projectId &&
      sameSettings(body, t as unknown as Record<string, unknown>) &&
      sameSteps(body.steps, t.steps),
  );
  if (same) return { template_id: same.id, template_reused: true, roles };
  const created = await api.post<Named>('/workflow-templates', body);
  return { template_id: created.id, template_reused: false, roles };
}

export async function getTemplate(api: JsonClient, id: number): Promise<TemplateView> {
  try {
    return await api.get<TemplateView>(`/workflow-templates/${id}`);
  } catch (err) {
    if (err instanceof HttpError && err.status === 404) {
      throw new CliError(
        'WORKFLOW_TEMPLATE_NOT_FOUND',
        `workflow template ${id} does not exist on ${api.baseUrl}`,
        {
          hint: 'list them with GET /workflow-templates, or pass a workflow file',
          exitCode: EXIT.usage,
        },
      );
    }
    throw err;
  }
}

export function startRun(api: JsonClient, templateId: number): Promise<RunView> {
  return api.post<RunView>('/workflow-runs', { workflow_template_id: templateId, initiated_by: 'cli' });
}

export function runTasks(api: JsonClient, runId: number): Promise<TaskView[]> {
  return api.get<TaskView[]>(`/tasks?run_id=${runId}`);
}

/** Last lines of a task's output (GET /tasks/:id/logs: chunks, else the stored output tail); [] if none. */
export async function taskLogTail(api: JsonClient, taskId: number, n: number): Promise<string[]> {
  let body: { chunks?: Array<{ data?: string }>; output_tail?: string | null };
  try {
    body = await api.get(`/tasks/${taskId}/logs?tail=${n}`, 3000);
  } catch {
    return [];
  }
  const fromChunks = (body.chunks ?? []).map((c) => c.data ?? '').join('');
  const text = fromChunks || body.output_tail || '';
  return text
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .slice(-n);
}
