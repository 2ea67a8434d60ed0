import { skillEntry, type SkillPack, type SkillPackCreate } from '@multyagents/contracts';
import { etagOf, type IfMatch } from '../domain/etag.js';
import { AppError } from '../lib/errors.js';
import { insertEvent } from '../store/ops/events.js';
import * as ops from '../store/ops/skillPacks.js';
import type { Sql } from '../store/sql.js';
import { nowIso, type ServiceContext } from './context.js';
import { checkIfMatch, createVersioned, withRevision, type Versioned } from './editGuard.js';
import { normalizeList } from './roles.js';

function notFound(id: number): AppError {
  return new AppError('SKILL_PACK_NOT_FOUND', `skill pack ${id} not found`);
}

/**
 * The body as stored (skills normalized like v1: trimmed, duplicates dropped), with v1's checks and
 * detail texts: at least one skill, every skill in the catalogue (contracts/src/skills.ts), the name
 * free (409).
 */
async function checkPack(sql: Sql, body: SkillPackCreate, selfId?: number): Promise<SkillPackCreate> {
  const pack = { name: body.name, skills: normalizeList(body.skills) };
  if (pack.skills.length === 0)
    throw new AppError('VALIDATION_FAILED', 'skill pack must include at least one skill', {
      field: 'skills',
    });
  const unknown = pack.skills.filter((s) => !skillEntry(s));
  if (unknown.length > 0)
    throw new AppError('UNKNOWN_SKILL', `unknown skills in pack '${pack.name}': ${unknown.join(', ')}`, {
      field: `skills[${body.skills.findIndex((s) => s.trim() === unknown[0])}]`,
      unknown_skills: unknown,
    });
  const other = await ops.getSkillPackIdByName(sql, pack.name);
  if (other !== undefined && other !== selfId)
    throw new AppError('NAME_CONFLICT', `skill pack '${pack.name}' already exists`, { field: 'name' });
  return pack;
}

function inUse(p: SkillPack, what: string): AppError {
  return new AppError(
    'RESOURCE_IN_USE',
    `skill pack '${p.name}' is used by role ${p.used_by_role_ids[0]}${what}`,
    { used_by_role_ids: p.used_by_role_ids },
  );
}

export async function createSkillPack(ctx: ServiceContext, body: SkillPackCreate): Promise<SkillPack> {
  return (await createSkillPackVersioned(ctx, body)).value;
}

/** The created item with its `ETag` (revision 1). */
export async function createSkillPackVersioned(
  ctx: ServiceContext,
  body: SkillPackCreate,
): Promise<Versioned<SkillPack>> {
  return createVersioned(ctx.store, 'skill_packs', async (sql) => {
    const pack = await checkPack(sql, body);
    const now = nowIso(ctx);
    const created = await ops.insertSkillPack(sql, pack, now);
    await insertEvent(
      sql,
      { event_type: 'skill_pack.created', payload: { skill_pack_id: created.id, name: created.name } },
      now,
    );
    return created;
  });
}

export async function getSkillPack(ctx: ServiceContext, id: number): Promise<SkillPack> {
  return (await getSkillPackVersioned(ctx, id)).value;
}

export async function getSkillPackVersioned(ctx: ServiceContext, id: number): Promise<Versioned<SkillPack>> {
  const p = await ctx.store.read((sql) =>
    withRevision(sql, 'skill_packs', id, () => ops.getSkillPack(sql, id)),
  );
  if (!p) throw notFound(id);
  return p;
}

export function listSkillPacks(ctx: ServiceContext): Promise<SkillPack[]> {
  return ctx.store.read((sql) => ops.listSkillPacks(sql));
}

/** `ifMatch` (null: none, last writer wins) is checked inside the write transaction. */
export async function updateSkillPack(
  ctx: ServiceContext,
  id: number,
  body: SkillPackCreate,
  ifMatch: IfMatch | null = null,
): Promise<Versioned<SkillPack>> {
  return ctx.store.tx(async (sql) => {
    const revision = await checkIfMatch(sql, 'skill_packs', id, ifMatch, `skill pack ${id}`);
    const before = await ops.getSkillPack(sql, id);
    if (!before || revision === undefined) throw notFound(id);
    const pack = await checkPack(sql, body, id);
    // Roles name their packs: a rename would leave them naming a pack that no longer exists.
    if (pack.name !== before.name && before.used_by_role_ids.length > 0)
      throw inUse(before, `; it cannot be renamed while a role names it`);
    const now = nowIso(ctx);
    await ops.updateSkillPack(sql, id, pack, now);
    await insertEvent(
      sql,
      { event_type: 'skill_pack.updated', payload: { skill_pack_id: id, name: pack.name } },
      now,
    );
    return { value: (await ops.getSkillPack(sql, id))!, etag: etagOf(revision + 1) };
  });
}

export async function deleteSkillPack(
  ctx: ServiceContext,
  id: number,
  ifMatch: IfMatch | null = null,
): Promise<void> {
  await ctx.store.tx(async (sql) => {
    await checkIfMatch(sql, 'skill_packs', id, ifMatch, `skill pack ${id}`);
    const p = await ops.getSkillPack(sql, id);
    if (!p) throw notFound(id);
    if (p.used_by_role_ids.length > 0) throw inUse(p, '');
    await ops.deleteSkillPack(sql, id);
    await insertEvent(
      sql,
      { event_type: 'skill_pack.deleted', payload: { skill_pack_id: id, name: p.name } },
      nowIso(ctx),
    );
  });
}
