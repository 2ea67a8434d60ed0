import type { SkillPack, SkillPackCreate } from '@multyagents/contracts';
import { AppError } from '../lib/errors.js';
import { insertEvent } from '../store/ops/events.js';
import * as ops from '../store/ops/skillPacks.js';
import type { Sql } from '../store/sql.js';
import { nowIso, type ServiceContext } from './context.js';

function notFound(id: number): AppError {
  return new AppError('SKILL_PACK_NOT_FOUND', `skill pack ${id} not found`);
}

async function assertNameFree(sql: Sql, name: string, selfId?: number): Promise<void> {
  const other = await ops.getSkillPackIdByName(sql, name);
  if (other !== undefined && other !== selfId)
    throw new AppError('NAME_CONFLICT', `skill pack '${name}' exists`, { field: 'name' });
}

export async function createSkillPack(ctx: ServiceContext, body: SkillPackCreate): Promise<SkillPack> {
  return ctx.store.tx(async (sql) => {
    await assertNameFree(sql, body.name);
    const now = nowIso(ctx);
    const created = await ops.insertSkillPack(sql, body, now);
    await insertEvent(
      sql,
      { event_type: 'skill_pack.created', payload: { skill_pack_id: created.id, name: created.name } },
      now,
    );
    return created;
  });
}

export async function getSkillPack(ctx: ServiceContext, id: number): Promise<SkillPack> {
  const p = await ctx.store.read((sql) => ops.getSkillPack(sql, id));
  if (!p) throw notFound(id);
  return p;
}

export function listSkillPacks(ctx: ServiceContext): Promise<SkillPack[]> {
  return ctx.store.read((sql) => ops.listSkillPacks(sql));
}

export async function updateSkillPack(
  ctx: ServiceContext,
  id: number,
  body: SkillPackCreate,
): Promise<SkillPack> {
  return ctx.store.tx(async (sql) => {
    if (!(await ops.getSkillPack(sql, id))) throw notFound(id);
    await assertNameFree(sql, body.name, id);
    const now = nowIso(ctx);
    await ops.updateSkillPack(sql, id, body, now);
    await insertEvent(
      sql,
      { event_type: 'skill_pack.updated', payload: { skill_pack_id: id, name: body.name } },
      now,
    );
    return (await ops.getSkillPack(sql, id))!;
  });
}

export async function deleteSkillPack(ctx: ServiceContext, id: number): Promise<void> {
  await ctx.store.tx(async (sql) => {
    const p = await ops.getSkillPack(sql, id);
    if (!p) throw notFound(id);
    if (p.used_by_role_ids.length > 0)
      throw new AppError(
        'RESOURCE_IN_USE',
        `skill pack ${id} is used by roles ${p.used_by_role_ids.join(', ')}`,
        {
          used_by_role_ids: p.used_by_role_ids,
        },
      );
    await ops.deleteSkillPack(sql, id);
    await insertEvent(
      sql,
      { event_type: 'skill_pack.deleted', payload: { skill_pack_id: id, name: p.name } },
      nowIso(ctx),
    );
  });
}
