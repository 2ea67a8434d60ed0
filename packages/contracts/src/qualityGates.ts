import { z } from 'zod';
import { dropsUnknownKeys, JsonObject } from './common.js';

/**
 * Quality gates, shaped as the first version shaped them (`quality_gate_policy.required_checks[]`,
 * per step and per task). Unlike the first version they gate: a failing required `blocker` check
 * fails the task (category `quality-gate`); `warn` checks are reported only.
 */
export const QUALITY_GATE_CHECKS = [
  'task-status',
  'approval-status',
  'handoff-present',
  'required-artifacts-present',
] as const;
export const QualityGateCheckId = z.enum(QUALITY_GATE_CHECKS);
export type QualityGateCheckId = z.infer<typeof QualityGateCheckId>;

export const QualityGateSeverity = z.enum(['blocker', 'warn']);
export type QualityGateSeverity = z.infer<typeof QualityGateSeverity>;

export const QualityGateCheckPolicy = z.object({
  /** The first version accepted any name and reported unknown ones as failed; a gate that always fails is refused here. */
  check: z
    .preprocess(
      (v) => (typeof v === 'string' ? v.trim() : v),
      z.enum(QUALITY_GATE_CHECKS, {
        error: `quality gate check must be one of ${QUALITY_GATE_CHECKS.join(', ')}`,
      }),
    )
    .default('task-status'),
  required: z.boolean().default(true),
  severity: QualityGateSeverity.default('blocker'),
  config: JsonObject.default({}),
  description: z
    .string()
    .max(2000)
    .nullable()
    .optional()
    .transform((d) => (d?.trim() ? d.trim() : null)),
});
export type QualityGateCheckPolicy = z.infer<typeof QualityGateCheckPolicy>;

/** Unknown keys are dropped, as the first version's model dropped them (docs/compatibility.md). */
export const QualityGatePolicy = dropsUnknownKeys(
  z.object({
    required_checks: z.array(QualityGateCheckPolicy).max(50).default([]),
  }),
);
export type QualityGatePolicy = z.infer<typeof QualityGatePolicy>;

/** What a task without a policy gets (first version: one required `task-status` blocker). */
export const DEFAULT_QUALITY_GATE_POLICY: QualityGatePolicy = {
  required_checks: [
    { check: 'task-status', required: true, severity: 'blocker', config: {}, description: null },
  ],
};

export const QUALITY_GATE_CHECK_STATUSES = ['pass', 'fail', 'pending', 'skipped'] as const;
export type QualityGateCheckStatus = (typeof QUALITY_GATE_CHECK_STATUSES)[number];
export const QUALITY_GATE_SUMMARY_STATUSES = ['pass', 'fail', 'pending', 'not-configured'] as const;
export type QualityGateSummaryStatus = (typeof QUALITY_GATE_SUMMARY_STATUSES)[number];
