import type { Role, RoleCreate } from '@multyagents/contracts';
import { AppError } from '../lib/errors.js';
import { insertEvent } from '../store/ops/events.js';
import * as ops from '../store/ops/roles.js';
import { getSkillPacksByIds } from '../store/ops/skillPacks.js';
import type { Sql } from '../store/sql.js';
import { nowIso, type ServiceContext } from './context.js';

function notFound(id: number): AppError {
  return new AppError('ROLE_NOT_FOUND', `role ${id} not found`);
}

/** Name unique, every skill pack known; returns the body with duplicate pack ids dropped. */
async function checkRole(sql: Sql, body: RoleCreate, selfId?: number): Promise<RoleCreate> {
  const other = await ops.getRoleIdByName(sql, body.name);
  if (other !== undefined && other !== selfId)
    throw new AppError('NAME_CONFLICT', `role '${body.name}' exists`, { field: 'name' });
  const known = new Set((await getSkillPacksByIds(sql, body.skill_packs)).map((p) => p.id));
  const missing = body.skill_packs.findIndex((id) => !known.has(id));
  if (missing >= 0)
    throw new AppError('UNKNOWN_REFERENCE', `skill pack ${body.skill_packs[missing]} does not exist`, {
      field: `skill_packs[${missing}]`,
    });
  return { ...body, skill_packs: [...new Set(body.skill_packs)] };
}

export async function createRole(ctx: ServiceContext, body: RoleCreate): Promise<Role> {
  return ctx.store.tx(async (sql) => {
    const role = await checkRole(sql, body);
    const now = nowIso(ctx);
    const created = await ops.insertRole(sql, role, now);
    await insertEvent(
      sql,
      { event_type: 'role.created', payload: { role_id: created.id, name: role.name } },
      now,
    );
    return created;
  });
}

export async function getRole(ctx: ServiceContext, id: number): Promise<Role> {
  const r = await ctx.store.read((sql) => ops.getRole(sql, id));
  if (!r) throw notFound(id);
  return r;
}

export function listRoles(ctx: ServiceContext): Promise<Role[]> {
  return ctx.store.read((sql) => ops.listRoles(sql));
}

export async function updateRole(ctx: ServiceContext, id: number, body: RoleCreate): Promise<Role> {
  return ctx.store.tx(async (sql) => {
    if (!(await ops.getRole(sql, id))) throw notFound(id);
    const role = await checkRole(sql, body, id);
    const now = nowIso(ctx);
    await ops.updateRole(sql, id, role, now);
    await insertEvent(sql, { event_type: 'role.updated', payload: { role_id: id, name: role.name } }, now);
    return { id, ...role };
  });
}

export async function deleteRole(ctx: ServiceContext, id: number): Promise<void> {
  await ctx.store.tx(async (sql) => {
    const role = await ops.getRole(sql, id);
    if (!role) throw notFound(id);
    const refs = await ops.roleReferences(sql, id);
    if (refs.workflow_template_ids.length > 0 || refs.task_count > 0)
      throw new AppError(
        'RESOURCE_IN_USE',
        `role ${id} is referenced by ${refs.workflow_template_ids.length} workflow template(s) and ${refs.task_count} task(s)`,
        { workflow_template_ids: refs.workflow_template_ids, task_count: refs.task_count },
      );
    await ops.deleteRole(sql, id);
    await insertEvent(
      sql,
      { event_type: 'role.deleted', payload: { role_id: id, name: role.name } },
      nowIso(ctx),
    );
  });
}
