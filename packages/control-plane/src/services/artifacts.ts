import type { Artifact, ArtifactCreate, ArtifactType } from '@multyagents/contracts';
import { AppError } from '../lib/errors.js';
import * as ops from '../store/ops/artifacts.js';
import { insertEvent } from '../store/ops/events.js';
import { nowIso, type ServiceContext } from './context.js';
import { resolveRunAndTask } from './events.js';

/** The artifact and its `artifact.created` event commit together. */
export async function createArtifact(ctx: ServiceContext, body: ArtifactCreate): Promise<Artifact> {
  // The first version could link an artifact to a task other than its producer; ours records it by
  // its producer only (docs/compatibility.md), so a different task_id is refused, not dropped.
  if (body.task_id != null && body.task_id !== body.producer_task_id)
    throw new AppError('VALIDATION_FAILED', 'task_id must equal producer_task_id (or be left out)', {
      field: 'task_id',
    });
  return ctx.store.tx(async (sql) => {
    const { run_id } = await resolveRunAndTask(sql, body.run_id, body.producer_task_id, 'producer_task_id');
    const now = nowIso(ctx);
    const artifact = await ops.insertArtifact(
      sql,
      {
        artifact_type: body.artifact_type,
        location: body.location,
        summary: body.summary,
        producer_task_id: body.producer_task_id,
        run_id,
        metadata: body.metadata,
      },
      now,
    );
    await insertEvent(
      sql,
      {
        event_type: 'artifact.created',
        run_id,
        task_id: body.producer_task_id,
        payload: {
          artifact_id: artifact.id,
          artifact_type: artifact.artifact_type,
          location: artifact.location,
        },
      },
      now,
    );
    return artifact;
  });
}

export async function getArtifact(ctx: ServiceContext, id: number): Promise<Artifact> {
  const a = await ctx.store.read((sql) => ops.getArtifact(sql, id));
  if (!a) throw new AppError('ARTIFACT_NOT_FOUND', `artifact ${id} not found`);
  return a;
}

export interface ArtifactQuery {
  run_id?: number;
  producer_task_id?: number;
  /** The first version's name for producer_task_id; both given means both must hold. */
  task_id?: number;
  artifact_type?: ArtifactType;
  limit?: number;
}

export async function listArtifacts(ctx: ServiceContext, q: ArtifactQuery): Promise<Artifact[]> {
  const { task_id, ...filter } = q;
  if (task_id !== undefined && filter.producer_task_id !== undefined && task_id !== filter.producer_task_id)
    return [];
  return ctx.store.read((sql) =>
    ops.listArtifacts(sql, { ...filter, producer_task_id: filter.producer_task_id ?? task_id }),
  );
}
