import type { Sql } from '../sql.js';
import { parseJson } from '../sql.js';

/** Reads behind the first version's computed fields (payload, audit) that no entity module offers. */

const marks = (n: number) => Array.from({ length: n }, () => '?').join(',');

export interface ArtifactBrief {
  id: number;
  producer_task_id: number;
  run_id: number | null;
  artifact_type: string;
  summary: string;
  metadata: Record<string, unknown>;
}

/** Artifacts produced by the given tasks, oldest first. */
export async function artifactsProducedBy(sql: Sql, taskIds: readonly number[]): Promise<ArtifactBrief[]> {
  if (taskIds.length === 0) return [];
  const rows = await sql.all<Omit<ArtifactBrief, 'metadata'> & { metadata: string }>(
    `SELECT id, producer_task_id, run_id, artifact_type, summary, metadata FROM artifacts
      WHERE producer_task_id IN (${marks(taskIds.length)}) ORDER BY id`,
    [...taskIds],
  );
  return rows.map((r) => ({ ...r, metadata: parseJson<Record<string, unknown>>(r.metadata, {}) }));
}

/** The artifact ids each task's latest handoff marks `is_required`. */
export async function requiredHandoffArtifactIds(sql: Sql, taskIds: readonly number[]): Promise<Set<number>> {
  if (taskIds.length === 0) return new Set();
  const rows = await sql.all<{ artifacts: string }>(
    `SELECT h.artifacts FROM handoffs h
      WHERE h.task_id IN (${marks(taskIds.length)})
        AND h.id = (SELECT MAX(id) FROM handoffs h2 WHERE h2.task_id = h.task_id)`,
    [...taskIds],
  );
  const ids = new Set<number>();
  for (const r of rows)
    for (const a of parseJson<Array<{ artifact_id: number; is_required?: boolean }>>(r.artifacts, []))
      if (a.is_required) ids.add(a.artifact_id);
  return ids;
}

/** Existing artifacts among `ids` with their producer and run (handoff checks). */
export async function artifactOwners(
  sql: Sql,
  ids: readonly number[],
): Promise<Map<number, { producer_task_id: number; run_id: number | null }>> {
  if (ids.length === 0) return new Map();
  const rows = await sql.all<{ id: number; producer_task_id: number; run_id: number | null }>(
    `SELECT id, producer_task_id, run_id FROM artifacts WHERE id IN (${marks(ids.length)})`,
    [...ids],
  );
  return new Map(rows.map((r) => [r.id, { producer_task_id: r.producer_task_id, run_id: r.run_id }]));
}
