import type { SkillPack, SkillPackCreate } from '@multyagents/contracts';
import type { Sql } from '../sql.js';
import { json, parseJson } from '../sql.js';

interface SkillPackRow {
  id: number;
  name: string;
  skills: string;
}

/**
 * Which roles name each pack (by pack NAME, as v1 roles do). Roles keep their pack names as a JSON
 * array; reading the (small) roles table and filtering here keeps this operation portable between
 * SQLite and PostgreSQL JSON dialects.
 */
async function usersByPack(sql: Sql): Promise<Map<string, number[]>> {
  const rows = await sql.all<{ id: number; skill_packs: string }>(
    'SELECT id, skill_packs FROM roles ORDER BY id',
  );
  const users = new Map<string, number[]>();
  for (const r of rows) {
    for (const name of new Set(parseJson<string[]>(r.skill_packs, []))) {
      const list = users.get(name) ?? [];
      list.push(r.id);
      users.set(name, list);
    }
  }
  return users;
}

function toSkillPack(r: SkillPackRow, users: Map<string, number[]>): SkillPack {
  return {
    id: r.id,
    name: r.name,
    skills: parseJson<string[]>(r.skills, []),
    used_by_role_ids: users.get(r.name) ?? [],
  };
}

export async function insertSkillPack(sql: Sql, p: SkillPackCreate, nowIso: string): Promise<SkillPack> {
  const r = await sql.run(
    'INSERT INTO skill_packs (name, skills, created_at, updated_at) VALUES (?, ?, ?, ?)',
    [p.name, json(p.skills), nowIso, nowIso],
  );
  return toSkillPack({ id: r.lastId, name: p.name, skills: json(p.skills) }, await usersByPack(sql));
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

/** Which of `names` name an existing pack. */
export async function existingPackNames(sql: Sql, names: readonly string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const rows = await sql.all<{ name: string }>(
    `SELECT name FROM skill_packs WHERE name IN (${names.map(() => '?').join(', ')})`,
    [...names],
  );
  return new Set(rows.map((r) => r.name));
}

export async function updateSkillPack(
  sql: Sql,
  id: number,
  p: SkillPackCreate,
  nowIso: string,
): Promise<void> {
  await sql.run(
    'UPDATE skill_packs SET name = ?, skills = ?, updated_at = ?, revision = revision + 1 WHERE id = ?',
    [p.name, json(p.skills), nowIso, id],
  );
}

export async function deleteSkillPack(sql: Sql, id: number): Promise<void> {
  await sql.run('DELETE FROM skill_packs WHERE id = ?', [id]);
}
