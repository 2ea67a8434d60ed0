import { z } from 'zod';
import { Id, NonEmptyName } from './common.js';
import { RetryOnCategory } from './statuses.js';

export const RetryPolicy = z.object({
  max_retries: z.number().int().min(0).max(10).default(0),
  retry_on: z.array(RetryOnCategory).default([]),
  /** First backoff delay; doubles per retry (with jitter) up to backoff_max_ms. */
  backoff_initial_ms: z.number().int().min(0).max(3_600_000).default(1_000),
  backoff_max_ms: z.number().int().min(0).max(86_400_000).default(60_000),
  backoff_multiplier: z.number().min(1).max(10).default(2),
  /** 0..1 — fraction of the delay that is randomized ("full jitter" at 1). */
  jitter: z.number().min(0).max(1).default(0.2),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

export const ExecutionConstraints = z
  .object({
    retry_policy: RetryPolicy.optional(),
    /** Seconds a ready task may wait for a runner before it fails as submit-failed. */
    time_to_start_seconds: z.number().int().min(1).max(86_400).optional(),
    /** Run-time limit in seconds once the runner accepted the attempt. */
    timeout_seconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 86_400)
      .optional(),
    /** codex/claude: the agent may read but not write (codex `-s read-only`, claude without edit tools). */
    read_only: z.boolean().optional(),
    /** codex/claude: extra flags appended to the agent's argv, e.g. ["--model", "sonnet"]. */
    agent_args: z.array(z.string().min(1).max(1000)).max(100).optional(),
    /** codex/claude: a retry continues the failed attempt's agent session (default true). */
    resume: z.boolean().optional(),
    /**
     * Inside the runner's sandbox: may the agent use the network (default true: coding agents need
     * their model API). false: `--unshare-net`, loopback only inside the sandbox.
     */
    network: z.boolean().optional(),
    // `sandbox: 'required'` (kept as free-form, like every other key a first-version role may carry): run
    // only on a runner that can sandbox the agent (bubblewrap), else SANDBOX_UNAVAILABLE at dispatch.
  })
  .catchall(z.unknown());
export type ExecutionConstraints = z.infer<typeof ExecutionConstraints>;

/**
 * Role list fields as the first version took them: strings, trimmed, empty ones dropped, duplicates
 * dropped (first one kept). The API normalizes (services/roles.ts), so the stored and returned lists
 * are the normalized ones. `skill_packs` are skill pack NAMES (as in v1), not ids.
 */
const RoleNameList = z.array(z.string().max(200)).max(500).default([]);

export const RoleCreate = z.object({
  name: NonEmptyName,
  context7_enabled: z.boolean().default(false),
  system_prompt: z.string().max(200_000).default(''),
  allowed_tools: RoleNameList,
  skill_packs: RoleNameList,
  execution_constraints: ExecutionConstraints.default({}),
});
export type RoleCreate = z.infer<typeof RoleCreate>;
/** A full replace; `context7_enabled` is required here, as in v1. */
export const RoleUpdate = RoleCreate.extend({ context7_enabled: z.boolean() });
export type RoleUpdate = z.infer<typeof RoleUpdate>;

export const Role = z.object({
  id: Id,
  name: z.string(),
  context7_enabled: z.boolean(),
  system_prompt: z.string(),
  allowed_tools: z.array(z.string()),
  skill_packs: z.array(z.string()),
  execution_constraints: ExecutionConstraints,
});
export type Role = z.infer<typeof Role>;

export const SkillPackCreate = z.object({
  name: NonEmptyName,
  /** Skill ids from the catalogue (contracts/src/skills.ts, docs/skills-catalog.md). */
  skills: z.array(z.string().trim().min(1).max(200)).min(1).max(500),
});
export type SkillPackCreate = z.infer<typeof SkillPackCreate>;
export const SkillPackUpdate = SkillPackCreate;

export const SkillPack = z.object({
  id: Id,
  name: z.string(),
  skills: z.array(z.string()),
  used_by_role_ids: z.array(Id),
});
export type SkillPack = z.infer<typeof SkillPack>;
