import { z } from 'zod';
import { Id, JsonObject, lineText, Timestamp } from './common.js';
import { ApprovalStatus, ArtifactType } from './statuses.js';

/** The first version's envelope: only `v1` exists; anything else is 422 (as v1 answered). */
export const ContractVersionField = z.literal('v1').default('v1');

export const EventCreate = z.object({
  contract_version: ContractVersionField,
  event_type: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[a-z0-9_]+\.[a-z0-9_.]+$/, 'event_type: entity.verb'),
  run_id: Id.nullable().optional(),
  task_id: Id.nullable().optional(),
  producer_role: lineText(200).min(1).default('system'),
  payload: JsonObject.default({}),
});
export const EventListQuery = z.object({
  run_id: z.coerce.number().int().positive().optional(),
  task_id: z.coerce.number().int().positive().optional(),
  event_type: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100_000).optional(),
  after_id: z.coerce.number().int().min(0).optional(),
});

/** `GET /events/stream`: filters and the resume point (the `Last-Event-ID` header wins over `after_id`). */
export const EventStreamQuery = z.object({
  run_id: z.coerce.number().int().positive().optional(),
  task_id: z.coerce.number().int().positive().optional(),
  /** Events whose type starts with this, e.g. `task.` or `workflow_run.`. */
  event_type: z.string().min(1).max(100).optional(),
  after_id: z.coerce.number().int().min(0).optional(),
});
export type EventStreamQuery = z.infer<typeof EventStreamQuery>;

export const ArtifactCreate = z.object({
  contract_version: ContractVersionField,
  artifact_type: ArtifactType,
  location: lineText(4096).min(1),
  summary: z.string().max(10_000).default(''),
  producer_task_id: Id,
  run_id: Id.nullable().optional(),
  /** The first version's task link (default: the producer); ours records artifacts by producer. */
  task_id: Id.nullable().optional(),
  metadata: JsonObject.default({}),
});
export const ArtifactListQuery = z.object({
  run_id: z.coerce.number().int().positive().optional(),
  producer_task_id: z.coerce.number().int().positive().optional(),
  task_id: z.coerce.number().int().positive().optional(),
  artifact_type: ArtifactType.optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});

/** `GET /approvals` (ours; the first version had no list): newest first. */
export const ApprovalListQuery = z.object({
  status: ApprovalStatus.optional(),
  run_id: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});

export const ApprovalDecision = z
  .object({ actor: lineText(200).optional(), comment: z.string().max(10_000).optional() })
  .default({});

export const HandoffListQuery = z.object({
  run_id: z.coerce.number().int().positive().optional(),
  task_id: z.coerce.number().int().positive().optional(),
  /** v1: the last N handoffs. */
  limit: z.coerce.number().int().min(1).max(100_000).optional(),
});

export const AssistantIntentBody = z
  .object({
    query: z.string().max(10_000).optional(),
    workflow_template_id: Id.optional(),
    run_id: Id.optional(),
    project_id: Id.optional(),
    initiated_by: lineText(200).optional(),
  })
  .default({});

export const EventRecord = z.object({
  id: Id,
  contract_version: z.literal('v1'),
  event_type: z.string(),
  run_id: Id.nullable(),
  task_id: Id.nullable(),
  producer_role: z.string(),
  payload: JsonObject,
  created_at: Timestamp,
});
export type EventRecord = z.infer<typeof EventRecord>;

export const Artifact = z.object({
  id: Id,
  contract_version: z.literal('v1'),
  artifact_type: ArtifactType,
  location: z.string(),
  summary: z.string(),
  producer_task_id: Id,
  run_id: Id.nullable(),
  /** The first version's task link: always the producer here. */
  task_id: Id,
  metadata: JsonObject,
  created_at: Timestamp,
});
export type Artifact = z.infer<typeof Artifact>;
export type ArtifactCreate = z.infer<typeof ArtifactCreate>;
export type EventCreate = z.infer<typeof EventCreate>;

export const Handoff = z.object({
  id: Id,
  task_id: Id,
  run_id: Id.nullable(),
  attempt: z.number().int(),
  summary: z.string(),
  details: z.string().nullable(),
  next_actions: z.array(z.string()),
  open_questions: z.array(z.string()),
  artifacts: z.array(
    z.object({ artifact_id: Id, is_required: z.boolean(), note: z.string().nullable().optional() }),
  ),
  created_at: Timestamp,
  /** The first version's field: a handoff row is never changed, so it equals created_at. */
  updated_at: Timestamp,
});
export type Handoff = z.infer<typeof Handoff>;
