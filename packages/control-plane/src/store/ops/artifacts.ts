import type { Artifact, ArtifactType } from '@multyagents/contracts';
import type { Param, Sql } from '../sql.js';
import { json, parseJson } from '../sql.js';
import { lastOrPage } from './events.js';

interface ArtifactRow {
  id: number;
  artifact_type: ArtifactType;
  location: string;
  summary: string;
  producer_task_id: number;
  run_id: number | null;
  metadata: string;
  created_at: string;
}

/** Wire shape: the first version's `contract_version` and `task_id` (the producer) included. */
export function toArtifact(r: ArtifactRow): Artifact {
  return withV1Fields({ ...r, metadata: parseJson<Record<string, unknown>>(r.metadata, {}) });
}

function withV1Fields(a: Omit<Artifact, 'contract_version' | 'task_id'>): Artifact {
  const { id, ...rest } = a;
  return { id, contract_version: 'v1', ...rest, task_id: a.producer_task_id };
}

export type NewArtifact = Omit<Artifact, 'id' | 'created_at' | 'contract_version' | 'task_id'>;

export async function insertArtifact(sql: Sql, a: NewArtifact, nowIso: string): Promise<Artifact> {
  const r = await sql.run(
    `INSERT INTO artifacts (artifact_type, location, summary, producer_task_id, run_id, metadata, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [a.artifact_type, a.location, a.summary, a.producer_task_id, a.run_id, json(a.metadata), nowIso],
  );
  return withV1Fields({ id: r.lastId, ...a, created_at: nowIso });
}

export async function getArtifact(sql: Sql, id: number): Promise<Artifact | undefined> {
  const r = await sql.get<ArtifactRow>('SELECT * FROM artifacts WHERE id = ?', [id]);
  return r && toArtifact(r);
}

export interface ArtifactFilter {
  run_id?: number;
  producer_task_id?: number;
  artifact_type?: ArtifactType;
  limit?: number;
}

export async function listArtifacts(sql: Sql, f: ArtifactFilter): Promise<Artifact[]> {
  const where: string[] = [];
  const params: Param[] = [];
  const add = (clause: string, value: string | number | undefined) => {
    if (value === undefined) return;
    where.push(clause);
    params.push(value);
  };
  add('run_id = ?', f.run_id);
  add('producer_task_id = ?', f.producer_task_id);
  add('artifact_type = ?', f.artifact_type);
  const rows = await sql.all<ArtifactRow>(lastOrPage('artifacts', where, false), [
    ...params,
    f.limit ?? 1000,
  ]);
  return rows.map(toArtifact);
}

/** The task's id and run, for reference checks by artifact and event writers. */
export async function taskRef(
  sql: Sql,
  id: number,
): Promise<{ id: number; run_id: number | null } | undefined> {
  return sql.get<{ id: number; run_id: number | null }>('SELECT id, run_id FROM tasks WHERE id = ?', [id]);
}

export async function runExists(sql: Sql, id: number): Promise<boolean> {
  return (await sql.get('SELECT 1 AS one FROM workflow_runs WHERE id = ?', [id])) !== undefined;
}
