import type { SkillPack, SkillPackCreate } from '@multyagents/contracts';
import type { Sql } from '../sql.js';
import { json, parseJson } from '../sql.js';

interface SkillPackRow {
  id: number;
  name: string;
  skills: string;
}

/**
 * Which roles name each pack. Roles keep their pack ids as a JSON array; reading the (small) roles table
 * and filtering here keeps this operation portable between SQLite and PostgreSQL JSON dialects.
 */
async function usersByPack(sql: Sql): Promise<Map<number, number[]>> {
  const rows = await sql.all<{ id: number; skill_packs: string }>(
    'SELECT id, skill_packs FROM roles ORDER BY id',
  );
  const users = new Map<number, number[]>();
  for (const r of rows) {
    for (const packId of new Set(parseJson<number[]>(r.skill_packs, []))) {
      const list = users.get(packId) ?? [];
      list.push(r.id);
      users.set(packId, list);
    }
  }
  return users;
}

function toSkillPack(r: SkillPackRow, users: Map<number, number[]>): SkillPack {
  return {
    id: r.id,
    name: r.name,
    skills: parseJson<string[]>(r.skills, []),
    used_by_role_ids: users.get(r.id) ?? [],
  };
}

export async function insertSkillPack(sql: Sql, p: SkillPackCreate, nowIso: string): Promise<SkillPack> {
  const r = await sql.run(
    'INSERT INTO skill_packs (name, skills, created_at, updated_at) VALUES (?, ?, ?, ?)',
    [p.name, json(p.skills), nowIso, nowIso],
  );
  return { id: r.lastId, name: p.name, skills: p.skills, used_by_role_ids: [] };
}

export async function getSkillPack(sql: Sql, id: number): Promise<SkillPack | undefined> {
  const r = await sql.get<SkillPackRow>('SELECT id, name, skills FROM skill_packs WHERE id = ?', [id]);
  return r && toSkillPack(r, await usersByPack(sql));
}

export async function getSkillPackIdByName(sql: Sql, name: string): Promise<number | undefined> {
  const r = await sql.get<{ id: number }>('SELECT id FROM skill_packs WHERE name = ?', [name]);
  return r?.id;
}

export async function listSkillPacks(sql: Sql): Promise<SkillPack[]> {
  const rows = await sql.all<SkillPackRow>('SELECT id, name, skills FROM skill_packs ORDER BY id');
  const users = await usersByPack(sql);
  return rows.map((r) => toSkillPack(r, users));
}

/** Packs by id, in the order asked; unknown ids are absent from the result. */
export async function getSkillPacksByIds(sql: Sql, ids: readonly number[]): Promise<SkillPack[]> {
  if (ids.length === 0) return [];
  const rows = await sql.all<SkillPackRow>(
    `SELECT id, name, skills FROM skill_packs WHERE id IN (${ids.map(() => '?').join(', ')})`,
    [...ids],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const users = await usersByPack(sql);
  return ids.flatMap((id) => {
    const r = byId.get(id);
    return r ? [toSkillPack(r, users)] : [];
  });
}

export async function updateSkillPack(
  sql: Sql,
  id: number,
  p: SkillPackCreate,
  nowIso: string,
): Promise<void> {
  await sql.run('UPDATE skill_packs SET name = ?, skills = ?, updated_at = ? WHERE id = ?', [
    p.name,
    json(p.skills),
    nowIso,
    id,
  ]);
}

export async function deleteSkillPack(sql: Sql, id: number): Promise<void> {
  await sql.run('DELETE FROM skill_packs WHERE id = ?', [id]);
}
