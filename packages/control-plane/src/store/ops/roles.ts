import type { ExecutionConstraints, Role, RoleCreate } from '@multyagents/contracts';
import type { Sql } from '../sql.js';
import { json, parseJson } from '../sql.js';

interface RoleRow {
  id: number;
  name: string;
  context7_enabled: number;
  system_prompt: string;
  allowed_tools: string;
  skill_packs: string;
  execution_constraints: string;
}

export function toRole(r: RoleRow): Role {
  return {
    id: r.id,
    name: r.name,
    context7_enabled: r.context7_enabled === 1,
    system_prompt: r.system_prompt,
    allowed_tools: parseJson<string[]>(r.allowed_tools, []),
    skill_packs: parseJson<string[]>(r.skill_packs, []),
    execution_constraints: parseJson<ExecutionConstraints>(r.execution_constraints, {}),
  };
}

export async function insertRole(sql: Sql, r: RoleCreate, nowIso: string): Promise<Role> {
  const res = await sql.run(
    `INSERT INTO roles (name, context7_enabled, system_prompt, allowed_tools, skill_packs,
                        execution_constraints, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      r.name,
      r.context7_enabled ? 1 : 0,
      r.system_prompt,
      json(r.allowed_tools),
      json(r.skill_packs),
      json(r.execution_constraints),
      nowIso,
      nowIso,
    ],
  );
  return { id: res.lastId, ...r };
}

export async function getRole(sql: Sql, id: number): Promise<Role | undefined> {
  const r = await sql.get<RoleRow>('SELECT * FROM roles WHERE id = ?', [id]);
  return r && toRole(r);
}

export async function listRoles(sql: Sql): Promise<Role[]> {
  return (await sql.all<RoleRow>('SELECT * FROM roles ORDER BY id')).map(toRole);
}

/** Roles by id (deduplicated); unknown ids are absent from the map. */
export async function getRolesByIds(sql: Sql, ids: readonly number[]): Promise<Map<number, Role>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await sql.all<RoleRow>(
    `SELECT * FROM roles WHERE id IN (${unique.map(() => '?').join(', ')})`,
    unique,
  );
  return new Map(rows.map((r) => [r.id, toRole(r)]));
}

export async function updateRole(sql: Sql, id: number, r: RoleCreate, nowIso: string): Promise<void> {
  await sql.run(
    `UPDATE roles SET name = ?, context7_enabled = ?, system_prompt = ?, allowed_tools = ?, skill_packs = ?,
                      execution_constraints = ?, updated_at = ?, revision = revision + 1
     WHERE id = ?`,
    [
      r.name,
      r.context7_enabled ? 1 : 0,
      r.system_prompt,
      json(r.allowed_tools),
      json(r.skill_packs),
      json(r.execution_constraints),
      nowIso,
      id,
    ],
  );
}

export async function deleteRole(sql: Sql, id: number): Promise<void> {
  await sql.run('DELETE FROM roles WHERE id = ?', [id]);
}

export interface RoleReferences {
  workflow_template_ids: number[];
  task_count: number;
}

/**
 * What still points at a role: template steps (kept as JSON, so filtered here to stay portable across
 * SQL dialects) and tasks (a plain foreign key).
 */
export async function roleReferences(sql: Sql, id: number): Promise<RoleReferences> {
  const templates = await sql.all<{ id: number; steps: string }>(
    'SELECT id, steps FROM workflow_templates ORDER BY id',
  );
  const workflow_template_ids = templates
    .filter((t) => parseJson<Array<{ role_id?: number }>>(t.steps, []).some((s) => s.role_id === id))
    .map((t) => t.id);
  const tasks = await sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM tasks WHERE role_id = ?', [id]);
  return { workflow_template_ids, task_count: tasks?.n ?? 0 };
}
