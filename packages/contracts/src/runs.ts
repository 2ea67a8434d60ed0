import { z } from 'zod';
import { Id, JsonObject, lineText, Title } from './common.js';
import { RunStatus } from './statuses.js';
import { StepId } from './templates.js';
import { BranchName } from './worktree.js';
import { SandboxConfig } from './tasks.js';

export const StepTaskOverride = z.object({
  title: Title.optional(),
  description: z.string().max(100_000).optional(),
  context7_mode: z.enum(['inherit', 'force_on', 'force_off']).optional(),
  execution_mode: z
    .enum(['no-workspace', 'shared-workspace', 'isolated-worktree', 'docker-sandbox'])
    .optional(),
  requires_approval: z.boolean().optional(),
  lock_paths: z.array(z.string()).max(200).optional(),
  /** v1: the step's project (default: the template's; a template with a project admits only that one). */
  project_id: Id.nullable().optional(),
  /** v1: docker-sandbox settings of the step (any other mode with a sandbox is 422). */
  sandbox: SandboxConfig.nullable().optional(),
  timeout_seconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .optional(),
  time_to_start_seconds: z.number().int().min(1).max(86_400).optional(),
  executor_params: JsonObject.optional(),
});

export const WorkflowRunCreate = z
  .object({
    workflow_template_id: Id.nullable().optional(),
    task_ids: z.array(Id).max(500).default([]),
    initiated_by: lineText(200).nullable().optional(),
    step_task_overrides: z.record(StepId, StepTaskOverride).default({}),
    /**
     * Ours: the branch an isolated-worktree run starts from (default: the project's default_branch,
     * else the repository's current branch). Ignored by runs without isolated-worktree tasks.
     */
    base_branch: BranchName.nullable().optional(),
  })
  .refine((b) => b.workflow_template_id != null || b.task_ids.length > 0, {
    message: 'give workflow_template_id or a non-empty task_ids',
    path: ['workflow_template_id'],
  })
  // v1: overrides shape the tasks a template creates; with task_ids they would be silently dropped.
  .refine(
    (b) =>
      Object.keys(b.step_task_overrides).length === 0 ||
      (b.workflow_template_id != null && b.task_ids.length === 0),
    {
      message: 'step_task_overrides are allowed only with workflow_template_id and empty task_ids',
      path: ['step_task_overrides'],
    },
  );
export type WorkflowRunCreate = z.infer<typeof WorkflowRunCreate>;

/**
 * `GET /workflow-runs`: newest first. Ours beside v1's `status`/`limit`: the keyset cursor `before_id`
 * (only runs with a smaller id; the answer's `x-next-before-id` header is the next page's) and the
 * filters `workflow_template_id` and `initiated_by` (exact). `x-total-count` counts the runs that match
 * the filters, ignoring `before_id` and `limit`.
 */
export const RunListQuery = z.object({
  status: RunStatus.optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
  before_id: z.coerce.number().int().positive().optional(),
  workflow_template_id: z.coerce.number().int().positive().optional(),
  initiated_by: lineText(200).optional(),
});
export type RunListQuery = z.infer<typeof RunListQuery>;

/** `GET /workflow-runs/counts`: every run status, zeros included. */
export const RunCounts = z.object({
  total: z.number().int().min(0),
  by_status: z.record(RunStatus, z.number().int().min(0)),
});
export type RunCounts = z.infer<typeof RunCounts>;

export const ControlLoopBody = z
  .object({ max_dispatch: z.number().int().min(1).max(100).default(10) })
  .default({
    max_dispatch: 10,
  });

/** `POST /workflow-runs/{id}/partial-rerun`, with the first version's defaults. */
export const PartialRerunBody = z.object({
  task_ids: z.array(Id).max(500).default([]),
  step_ids: z.array(StepId).max(500).default([]),
  requested_by: lineText(200).trim().min(1).default('operator'),
  reason: z.string().max(10_000).default(''),
  auto_dispatch: z.boolean().default(true),
  max_dispatch: z.number().int().min(1).max(100).default(10),
});
export type PartialRerunBody = z.infer<typeof PartialRerunBody>;

export const OperatorActionBody = z
  .object({ actor: lineText(200).optional(), reason: z.string().max(10_000).optional() })
  .default({});
