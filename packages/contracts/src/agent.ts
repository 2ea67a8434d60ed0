import { z } from 'zod';

/**
 * What a coding agent (codex, claude) said about its own work, read from its event stream by the
 * runner: the session to resume, the final message, the tokens it used and what it was refused.
 */
export const AgentUsage = z.object({
  input_tokens: z.number().int().min(0),
  /** Input tokens served from the provider's prompt cache (claude cache_read, codex cached_input). */
  cached_input_tokens: z.number().int().min(0).default(0),
  /** Claude only: input tokens written to the prompt cache. */
  cache_creation_input_tokens: z.number().int().min(0).default(0),
  output_tokens: z.number().int().min(0),
});
export type AgentUsage = z.infer<typeof AgentUsage>;

export const AgentPermissionDenial = z.object({
  tool: z.string().max(200),
  /** The file path or command the tool was denied on, when the agent named one. */
  target: z.string().max(4096).nullable(),
});
export type AgentPermissionDenial = z.infer<typeof AgentPermissionDenial>;

export const AgentToolError = z.object({
  tool: z.string().max(200),
  message: z.string().max(2000),
  exit_code: z.number().int().nullable().optional(),
});
export type AgentToolError = z.infer<typeof AgentToolError>;

export const AGENT_KINDS = ['claude', 'codex'] as const;
/** How the runner judged the agent's own account (`ok` even when the process failed otherwise). */
export const AGENT_VERDICTS = ['ok', 'agent-error', 'permission-denied', 'no-result'] as const;

export const AgentSummary = z.object({
  agent: z.enum(AGENT_KINDS),
  /** claude session_id / codex thread_id: what `--resume` / `exec resume` takes. */
  session_id: z.string().max(200).nullable(),
  model: z.string().max(200).nullable(),
  final_message: z.string().max(100_000).nullable(),
  turns: z.number().int().min(0).nullable(),
  usage: AgentUsage.nullable(),
  /** As reported by the agent (claude); null when the agent gives no price (codex). */
  cost_usd: z.number().min(0).nullable(),
  permission_denials: z.array(AgentPermissionDenial).max(200),
  tool_errors: z.array(AgentToolError).max(200),
  /** Files the agent says it changed (codex file_change items). */
  files_changed: z.array(z.string().max(4096)).max(500),
  is_error: z.boolean(),
  /** The agent's own error text (claude is_error result, codex turn.failed / error). */
  error: z.string().max(10_000).nullable(),
  terminal_reason: z.string().max(200).nullable(),
  verdict: z.enum(AGENT_VERDICTS),
  /** JSON events read, and lines that were not JSON events (noise, truncated lines). */
  events: z.number().int().min(0),
  noise_lines: z.number().int().min(0),
  /** Set when the submit asked to resume: whether the session was continued, and from which attempt. */
  resumed: z.boolean().optional(),
  resumed_from: z.number().int().positive().optional(),
  /** Why a requested resume fell back to a fresh session (e.g. the session files are on another runner). */
  resume_note: z.string().max(1000).optional(),
});
export type AgentSummary = z.infer<typeof AgentSummary>;

/** Tokens and money of a run or a role, summed over every attempt that reported an agent summary. */
export const UsageTotals = z.object({
  attempts: z.number().int().min(0),
  input_tokens: z.number().int().min(0),
  cached_input_tokens: z.number().int().min(0),
  cache_creation_input_tokens: z.number().int().min(0),
  output_tokens: z.number().int().min(0),
  cost_usd: z.number().min(0),
  /** True when part of cost_usd is our estimate from token counts (docs/architecture.md price table). */
  estimated: z.boolean(),
  /** Attempts with tokens but no price, reported or estimated (unknown model). */
  unpriced_attempts: z.number().int().min(0),
});
export type UsageTotals = z.infer<typeof UsageTotals>;
