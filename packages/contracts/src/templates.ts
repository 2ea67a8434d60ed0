import { z } from 'zod';
import { Id, JsonObject, lineText, NonEmptyName, Title } from './common.js';
import { RetryPolicy } from './roles.js';
import { ExecutionMode } from './statuses.js';
import { MergePolicy } from './worktree.js';
import { QualityGatePolicy } from './qualityGates.js';

export const StepId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'step_id: letters, digits, _ . - only');

export const RequiredArtifact = z.object({
  from_step_id: StepId.optional(),
  artifact_type: z.string().min(1).max(50).optional(),
  label: lineText(200).optional(),
});
export type RequiredArtifact = z.infer<typeof RequiredArtifact>;

export const WorkflowStep = z.object({
  step_id: StepId,
  role_id: Id,
  title: Title,
  description: z.string().max(100_000).optional(),
  depends_on: z.array(StepId).max(200).default([]),
  required_artifacts: z.array(RequiredArtifact).max(100).default([]),
  quality_gate_policy: QualityGatePolicy.optional(),
  /** Per-step override of the role's retry policy. */
  retry_policy: RetryPolicy.optional(),
  requires_approval: z.boolean().optional(),
  timeout_seconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .optional(),
  time_to_start_seconds: z.number().int().min(1).max(86_400).optional(),
  /** Free-form per-step parameters for the executor (e.g. mock behaviour). */
  executor_params: JsonObject.optional(),
});
export type WorkflowStep = z.infer<typeof WorkflowStep>;

export const WorkflowTemplateCreate = z.object({
  name: NonEmptyName,
  project_id: Id.nullable().optional(),
  steps: z.array(WorkflowStep).min(1).max(500),
  /**
   * Ours: the execution mode of every step (a run's step_task_overrides still win). Omitted: derived
   * from the project as before (shared-workspace with a project, else no-workspace); on an update: kept.
   */
  execution_mode: ExecutionMode.nullable().optional(),
  /**
   * Ours: how an isolated-worktree run's result lands on the target branch (default: enabled,
   * fast-forward, no approval, target = the run's base branch). Omitted on an update: kept.
   */
  merge: MergePolicy.optional(),
});
export type WorkflowTemplateCreate = z.infer<typeof WorkflowTemplateCreate>;
export const WorkflowTemplateUpdate = WorkflowTemplateCreate;

export const WorkflowTemplate = z.object({
  id: Id,
  name: z.string(),
  project_id: Id.nullable(),
  steps: z.array(WorkflowStep),
  execution_mode: ExecutionMode.nullable(),
  merge: MergePolicy,
});
export type WorkflowTemplate = z.infer<typeof WorkflowTemplate>;

export const RecommendRequest = z.object({
  query: z.string().max(2000).default(''),
  project_id: Id.nullable().optional(),
  use_history: z.boolean().default(true),
  limit: z.number().int().min(1).max(50).default(5),
});
export type RecommendRequest = z.infer<typeof RecommendRequest>;

export const Recommendation = z.object({
  workflow_template_id: Id,
  name: z.string(),
  score: z.number(),
  reasons: z.array(z.string()),
  step_count: z.number().int(),
  /** v1's fields: the template's project, the reasons in one sentence, the intents it matches and its history. */
  project_id: Id.nullable(),
  reason: z.string(),
  intent_matches: z.array(z.string()),
  historical_runs: z.number().int(),
  /** Percentage 0..100 of its finished runs that succeeded (0 without history), as v1. */
  historical_success_rate: z.number(),
});
export type Recommendation = z.infer<typeof Recommendation>;

export const RecommendResponse = z.object({
  query: z.string(),
  /** v1: the intents (feature, bugfix, …) the query names, and whether history was used. */
  detected_intents: z.array(z.string()),
  use_history: z.boolean(),
  recommendations: z.array(Recommendation),
});
export type RecommendResponse = z.infer<typeof RecommendResponse>;
