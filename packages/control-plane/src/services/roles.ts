import type { Role, RoleCreate } from '@multyagents/contracts';
import { etagOf, type IfMatch } from '../domain/etag.js';
import { AppError } from '../lib/errors.js';
import { insertEvent } from '../store/ops/events.js';
import * as ops from '../store/ops/roles.js';
import { existingPackNames } from '../store/ops/skillPacks.js';
import type { Sql } from '../store/sql.js';
import { nowIso, type ServiceContext } from './context.js';
import { checkIfMatch, createVersioned, withRevision, type Versioned } from './editGuard.js';

function notFound(id: number): AppError {
  return new AppError('ROLE_NOT_FOUND', `role ${id} not found`);
}

/** v1's list normalization: trimmed, empty entries dropped, duplicates dropped (the first kept). */
export function normalizeList(values: readonly string[]): string[] {
  return [...new Set(values.map((v) => v.trim()).filter((v) => v.length > 0))];
}

/**
 * The body as stored: list fields normalized, every skill pack named by an existing pack (422, v1's
 * detail). Role names are not unique (as in v1): two roles may both be called "planner".
 */
async function checkRole(sql: Sql, body: RoleCreate): Promise<RoleCreate> {
  const role = {
    ...body,
    allowed_tools: normalizeList(body.allowed_tools),
    skill_packs: normalizeList(body.skill_packs),
  };
  const known = await existingPackNames(sql, role.skill_packs);
  const unknown = role.skill_packs.filter((n) => !known.has(n));
  if (unknown.length > 0)
    throw new AppError('UNKNOWN_REFERENCE', `unknown skill packs: ${unknown.join(', ')}`, {
      field: `skill_packs[${body.skill_packs.findIndex((v) => v.trim() === unknown[0])}]`,
      unknown_skill_packs: unknown,
    });
  return role;
}

export async function createRole(ctx: ServiceContext, body: RoleCreate): Promise<Role> {
  return (await createRoleVersioned(ctx, body)).value;
}

/** The created item with its `ETag` (revision 1). */
export async function createRoleVersioned(ctx: ServiceContext, body: RoleCreate): Promise<Versioned<Role>> {
  return createVersioned(ctx.store, 'roles', async (sql) => {
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
  return (await getRoleVersioned(ctx, id)).value;
}

export async function getRoleVersioned(ctx: ServiceContext, id: number): Promise<Versioned<Role>> {
  const r = await ctx.store.read((sql) => withRevision(sql, 'roles', id, () => ops.getRole(sql, id)));
  if (!r) throw notFound(id);
  return r;
}

export function listRoles(ctx: ServiceContext): Promise<Role[]> {
  return ctx.store.read((sql) => ops.listRoles(sql));
}

/** `ifMatch` (null: none, last writer wins) is checked inside the write transaction. */
export async function updateRole(
  ctx: ServiceContext,
  id: number,
  body: RoleCreate,
  ifMatch: IfMatch | null = null,
): Promise<Versioned<Role>> {
  return ctx.store.tx(async (sql) => {
    const revision = await checkIfMatch(sql, 'roles', id, ifMatch, `role ${id}`);
    if (revision === undefined) throw notFound(id);
    const role = await checkRole(sql, body);
    const now = nowIso(ctx);
    await ops.updateRole(sql, id, role, now);
    await insertEvent(sql, { event_type: 'role.updated', payload: { role_id: id, name: role.name } }, now);
    return { value: { id, ...role }, etag: etagOf(revision + 1) };
  });
}

export async function deleteRole(
  ctx: ServiceContext,
  id: number,
  ifMatch: IfMatch | null = null,
): Promise<void> {
  await ctx.store.tx(async (sql) => {
    await checkIfMatch(sql, 'roles', id, ifMatch, `role ${id}`);
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
