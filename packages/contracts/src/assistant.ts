import { z } from 'zod';
import { Id, lineText } from './common.js';
import { StepTaskOverride } from './runs.js';
import { StepId } from './templates.js';

/** The assistant façade (`POST /assistant/intents/plan|start|status|report`), first-version bodies. */
export const AssistantPlanBody = z.object({
  workflow_template_id: Id,
  initiated_by: lineText(200).nullable().default('assistant'),
  step_task_overrides: z.record(StepId, StepTaskOverride).default({}),
});
export type AssistantPlanBody = z.infer<typeof AssistantPlanBody>;

export const AssistantStartBody = AssistantPlanBody.extend({ dispatch_ready: z.boolean().default(true) });
export type AssistantStartBody = z.infer<typeof AssistantStartBody>;

export const AssistantStatusBody = z.object({ run_id: Id, include_tasks: z.boolean().default(true) });
export type AssistantStatusBody = z.infer<typeof AssistantStatusBody>;

const Limit = z.number().int().min(1).max(1000).default(200);
export const AssistantReportBody = z.object({
  run_id: Id,
  event_limit: Limit,
  artifact_limit: Limit,
  handoff_limit: Limit,
});
export type AssistantReportBody = z.infer<typeof AssistantReportBody>;

export const ASSISTANT_PHASES = ['plan', 'start', 'status', 'report'] as const;
export type AssistantPhase = (typeof ASSISTANT_PHASES)[number];
