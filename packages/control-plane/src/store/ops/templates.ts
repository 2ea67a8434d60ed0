import {
  MergePolicy,
  TERMINAL_RUN_STATUSES,
  type ExecutionMode,
  type WorkflowStep,
  type WorkflowTemplate,
  type WorkflowTemplateCreate,
} from '@multyagents/contracts';
import { sqlList, type Sql } from '../sql.js';
import { json, parseJson } from '../sql.js';

export interface TemplateRow {
  id: number;
  name: string;
  project_id: number | null;
  steps: string;
  /** JSON MergePolicy; NULL: the default policy. */
  merge: string | null;
  execution_mode: ExecutionMode | null;
}

const COLS = 'id, name, project_id, steps, merge, execution_mode';

/** The stored merge policy with its defaults filled in (NULL or unreadable: the default policy). */
export function mergePolicyOf(text: string | null): MergePolicy {
  const parsed = MergePolicy.safeParse(parseJson<unknown>(text, {}));
  return parsed.success ? parsed.data : MergePolicy.parse({});
}

export function toTemplate(r: TemplateRow): WorkflowTemplate {
  return {
    id: r.id,
    name: r.name,
    project_id: r.project_id,
    steps: parseJson<WorkflowStep[]>(r.steps, []),
    execution_mode: r.execution_mode,
    merge: mergePolicyOf(r.merge),
  };
}

/** What a template stores: the body with its worktree fields resolved (an update keeps omitted ones). */
export type StoredTemplate = Omit<WorkflowTemplateCreate, 'merge' | 'execution_mode'> & {
  merge: MergePolicy;
  execution_mode: ExecutionMode | null;
};

export async function insertTemplate(sql: Sql, t: StoredTemplate, nowIso: string): Promise<WorkflowTemplate> {
  const r = await sql.run(
    `INSERT INTO workflow_templates (name, project_id, steps, merge, execution_mode, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [t.name, t.project_id ?? null, json(t.steps), json(t.merge), t.execution_mode, nowIso, nowIso],
  );
  return {
    id: r.lastId,
    name: t.name,
    project_id: t.project_id ?? null,
    steps: t.steps,
    execution_mode: t.execution_mode,
    merge: t.merge,
  };
}

export function getTemplateRow(sql: Sql, id: number): Promise<TemplateRow | undefined> {
  return sql.get<TemplateRow>(`SELECT ${COLS} FROM workflow_templates WHERE id = ?`, [id]);
}

export async function getTemplate(sql: Sql, id: number): Promise<WorkflowTemplate | undefined> {
  const r = await getTemplateRow(sql, id);
  return r && toTemplate(r);
}

export async function listTemplates(sql: Sql): Promise<WorkflowTemplate[]> {
  const rows = await sql.all<TemplateRow>(`SELECT ${COLS} FROM workflow_templates ORDER BY id`);
  return rows.map(toTemplate);
}

export async function updateTemplate(sql: Sql, id: number, t: StoredTemplate, nowIso: string): Promise<void> {
  await sql.run(
    `UPDATE workflow_templates SET name = ?, project_id = ?, steps = ?, merge = ?, execution_mode = ?,
       updated_at = ?, revision = revision + 1 WHERE id = ?`,
    [t.name, t.project_id ?? null, json(t.steps), json(t.merge), t.execution_mode, nowIso, id],
  );
}

export async function deleteTemplate(sql: Sql, id: number): Promise<void> {
  await sql.run('DELETE FROM workflow_templates WHERE id = ?', [id]);
}

export async function templateRunCount(sql: Sql, id: number): Promise<number> {
  const r = await sql.get<{ n: number }>(
    'SELECT COUNT(*) AS n FROM workflow_runs WHERE workflow_template_id = ?',
    [id],
  );
  return r?.n ?? 0;
}

export interface TemplateRunStats {
  succeeded: number;
  /** Terminal runs that did not succeed (failed or aborted). */
  unsuccessful: number;
}

/** Outcomes of finished runs per template; live runs say nothing about success yet. */
export async function templateRunStats(sql: Sql): Promise<Map<number, TemplateRunStats>> {
  const rows = await sql.all<{ template_id: number; status: string; n: number }>(
    `SELECT workflow_template_id AS template_id, status, COUNT(*) AS n
       FROM workflow_runs
      WHERE workflow_template_id IS NOT NULL AND status IN ${sqlList(TERMINAL_RUN_STATUSES)}
      GROUP BY workflow_template_id, status`,
  );
  const stats = new Map<number, TemplateRunStats>();
  for (const r of rows) {
    const s = stats.get(r.template_id) ?? { succeeded: 0, unsuccessful: 0 };
    if (r.status === 'success') s.succeeded += r.n;
    else s.unsuccessful += r.n;
    stats.set(r.template_id, s);
  }
  return stats;
}
