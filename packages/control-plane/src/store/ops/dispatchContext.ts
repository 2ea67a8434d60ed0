import type { Sql } from '../sql.js';
import { parseJson } from '../sql.js';

/** Look-ups dispatch needs beyond the task row that no entity module offers: skills, upstream handoffs, artifacts. */
/** The skill ids of the named packs, in the order the role lists the packs (unknown names skipped). */
export async function skillsOf(
  sql: Sql,
  packNames: string[],
): Promise<Array<{ pack: string; skills: string[] }>> {
  if (packNames.length === 0) return [];
  const rows = await sql.all<{ name: string; skills: string }>(
    `SELECT name, skills FROM skill_packs WHERE name IN (${packNames.map(() => '?').join(',')})`,
    packNames,
  );
  const byName = new Map(rows.map((r) => [r.name, parseJson<string[]>(r.skills, [])]));
  return packNames.flatMap((pack) => {
    const skills = byName.get(pack);
    return skills ? [{ pack, skills }] : [];
  });
}

/** The latest handoff of each upstream task. */
export async function upstreamHandoffs(sql: Sql, taskIds: number[]) {
  if (taskIds.length === 0) return [];
  const rows = await sql.all<{
    task_id: number;
    step_id: string | null;
    summary: string;
    next_actions: string;
    open_questions: string;
    details: string | null;
  }>(
    `SELECT h.task_id, t.step_id, h.summary, h.next_actions, h.open_questions, h.details
       FROM handoffs h JOIN tasks t ON t.id = h.task_id
      WHERE h.task_id IN (${taskIds.map(() => '?').join(',')})
        AND h.id = (SELECT MAX(id) FROM handoffs h2 WHERE h2.task_id = h.task_id)
      ORDER BY h.task_id`,
    taskIds,
  );
  return rows.map((r) => ({
    task_id: r.task_id,
    step_id: r.step_id,
    summary: r.summary,
    details: r.details,
    next_actions: parseJson<string[]>(r.next_actions, []),
    open_questions: parseJson<string[]>(r.open_questions, []),
  }));
}

/** Artifacts produced by the given tasks, for required-artifact checks. */
export function artifactsOfTasks(sql: Sql, taskIds: number[]) {
  if (taskIds.length === 0) return Promise.resolve([]);
  return sql.all<{ producer_task_id: number; artifact_type: string; metadata: string; summary: string }>(
    `SELECT producer_task_id, artifact_type, metadata, summary FROM artifacts WHERE producer_task_id IN (${taskIds.map(() => '?').join(',')})`,
    taskIds,
  );
}
