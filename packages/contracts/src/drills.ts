import { z } from 'zod';

/**
 * `GET /drills`: the evidence of past `multyagents chaos` invocations, read from the chaos evidence dir
 * (MULTYAGENTS_CHAOS_DIR, default `<data dir>/chaos`), one folder per invocation with its `report.json`.
 */

/** An evidence folder name as the API accepts it in a path (no separators, no traversal). */
export const DRILL_EVIDENCE_ID_PATTERN = /^[A-Za-z0-9._-]{1,200}$/;
export const DrillEvidenceParam = z.object({
  evidenceId: z
    .string()
    .regex(DRILL_EVIDENCE_ID_PATTERN, 'an evidence id is a folder name: letters, digits, . _ - only')
    .refine((s) => s !== '.' && s !== '..', 'an evidence id is a folder name'),
});

export const DRILL_VERDICTS = ['PASS', 'FAIL'] as const;
export const DrillVerdict = z.enum(DRILL_VERDICTS);
export type DrillVerdict = z.infer<typeof DrillVerdict>;

/** One drill of an invocation, shortened (`GET /drills/{id}` answers the whole report). */
export const DrillShort = z.object({
  id: z.string(),
  /** success | failed | inconclusive */
  status: z.string(),
  name: z.string().nullable(),
  checks: z.number().int().min(0),
  /** Names of the checks that did not hold (invalid or inconclusive). */
  failed_checks: z.array(z.string()),
  wall_ms: z.number().nullable(),
  error: z.string().nullable(),
});
export type DrillShort = z.infer<typeof DrillShort>;

export const DrillEvidenceSummary = z.object({
  id: z.string(),
  /** From the folder name (`<UTC stamp>-seed<n>`), else the folder's modification time. */
  started_at: z.string().nullable(),
  seed: z.number().nullable(),
  total: z.number().int().min(0),
  passed: z.number().int().min(0),
  failed: z.number().int().min(0),
  inconclusive: z.number().int().min(0),
  /** PASS only when every drill passed (the `[chaos] PASS` line); an unreadable report is FAIL. */
  verdict: DrillVerdict,
  drills: z.array(DrillShort),
  /** Set when report.json is missing, unreadable or not a chaos report (the counts are then 0). */
  error: z.string().optional(),
});
export type DrillEvidenceSummary = z.infer<typeof DrillEvidenceSummary>;

export const DrillListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).optional(),
});
