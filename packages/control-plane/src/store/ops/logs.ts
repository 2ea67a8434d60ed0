import type { Sql } from '../sql.js';

export interface LogChunkRow {
  task_id: number;
  attempt: number;
  seq: number;
  stream: string;
  data: string;
  created_at: string;
}

/** A chunk is keyed by (task, attempt, seq): a redelivered chunk is ignored. */
export async function insertLogChunk(
  sql: Sql,
  c: Omit<LogChunkRow, 'created_at'>,
  nowIso: string,
): Promise<boolean> {
  const r = await sql.run(
    'INSERT OR IGNORE INTO task_logs (task_id, attempt, seq, stream, data, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    [c.task_id, c.attempt, c.seq, c.stream, c.data, nowIso],
  );
  return r.changes > 0;
}

export function logChunksAfter(
  sql: Sql,
  taskId: number,
  attempt: number,
  afterSeq: number,
  limit: number,
): Promise<LogChunkRow[]> {
  return sql.all<LogChunkRow>(
    'SELECT * FROM task_logs WHERE task_id = ? AND attempt = ? AND seq > ? ORDER BY seq LIMIT +?',
    [taskId, attempt, afterSeq, limit],
  );
}

export function lastLogChunks(
  sql: Sql,
  taskId: number,
  attempt: number,
  limit: number,
): Promise<LogChunkRow[]> {
  return sql.all<LogChunkRow>(
    'SELECT * FROM (SELECT * FROM task_logs WHERE task_id = ? AND attempt = ? ORDER BY seq DESC LIMIT +?) ORDER BY seq',
    [taskId, attempt, limit],
  );
}
