import type { Sql } from '../sql.js';

/** The catalogue tables whose rows carry a `revision` (migration 013). */
export type VersionedTable = 'projects' | 'roles' | 'skill_packs' | 'workflow_templates';

/** The row's revision, or undefined when there is no such row. */
export async function getRevision(sql: Sql, table: VersionedTable, id: number): Promise<number | undefined> {
  const r = await sql.get<{ revision: number }>(`SELECT revision FROM ${table} WHERE id = ?`, [id]);
  return r?.revision;
}
