/**
 * Tokens and money per run and per role (pure). Claude reports what an attempt cost
 * (`total_cost_usd`); codex reports only tokens, so its cost is estimated from the list prices
 * below and the sum says `estimated: true`. Prices are USD per million tokens, as published by the
 * vendors when this table was written — an estimate, not an invoice: update the table when they
 * change. A model that is named but not in the table is counted in `unpriced_attempts`.
 */
import type { AgentSummary, UsageTotals } from '@multyagents/contracts';

export interface Price {
  input: number;
  cached_input: number;
  /** Claude prompt-cache writes; OpenAI has none. */
  cache_write: number;
  output: number;
}

const OPENAI = (input: number, cached: number, output: number): Price => ({
  input,
  cached_input: cached,
  cache_write: 0,
  output,
});
const ANTHROPIC = (input: number, output: number): Price => ({
  input,
  cached_input: input / 10,
  cache_write: input * 1.25,
  output,
});

/** Longest matching prefix wins (so `gpt-5-mini` is not priced as `gpt-5`). */
export const PRICES: Record<string, Price> = {
  'gpt-5': OPENAI(1.25, 0.125, 10),
  'gpt-5-codex': OPENAI(1.25, 0.125, 10),
  'gpt-5.1': OPENAI(1.25, 0.125, 10),
  'gpt-5-mini': OPENAI(0.25, 0.025, 2),
  'gpt-5-nano': OPENAI(0.05, 0.005, 0.4),
  'gpt-4.1': OPENAI(2, 0.5, 8),
  'o4-mini': OPENAI(1.1, 0.275, 4.4),
  'codex-mini-latest': OPENAI(1.5, 0.375, 6),
  'claude-opus-4': ANTHROPIC(15, 75),
  opus: ANTHROPIC(15, 75),
  'claude-sonnet-4': ANTHROPIC(3, 15),
  sonnet: ANTHROPIC(3, 15),
  'claude-haiku-4': ANTHROPIC(1, 5),
  haiku: ANTHROPIC(1, 5),
};

/** What codex runs when no `-m` is given: priced as gpt-5. */
export const CODEX_DEFAULT_MODEL = 'gpt-5';

export function priceOf(model: string | null, agent: AgentSummary['agent']): Price | null {
  const name = (model ?? (agent === 'codex' ? CODEX_DEFAULT_MODEL : '')).toLowerCase();
  if (!name) return null;
  let best: string | null = null;
  for (const key of Object.keys(PRICES))
    if (name.startsWith(key) && (best === null || key.length > best.length)) best = key;
  return best ? PRICES[best]! : null;
}

/**
 * The estimated cost of one attempt from its tokens. OpenAI's input_tokens include the cached ones;
 * Anthropic's do not (cache reads and writes are counted apart).
 */
export function estimateCost(a: Pick<AgentSummary, 'agent' | 'model' | 'usage'>): number | null {
  const p = priceOf(a.model, a.agent);
  if (!p || !a.usage) return null;
  const u = a.usage;
  const fresh = a.agent === 'codex' ? Math.max(0, u.input_tokens - u.cached_input_tokens) : u.input_tokens;
  const usd =
    fresh * p.input +
    u.cached_input_tokens * p.cached_input +
    u.cache_creation_input_tokens * p.cache_write +
    u.output_tokens * p.output;
  return usd / 1_000_000;
}

export function emptyTotals(): UsageTotals {
  return {
    attempts: 0,
    input_tokens: 0,
    cached_input_tokens: 0,
    cache_creation_input_tokens: 0,
    output_tokens: 0,
    cost_usd: 0,
    estimated: false,
    unpriced_attempts: 0,
  };
}

/** Add one attempt's summary to a running total (mutates `t`). */
export function addUsage(
  t: UsageTotals,
  a: Pick<AgentSummary, 'agent' | 'model' | 'usage' | 'cost_usd'>,
): void {
  t.attempts++;
  if (a.usage) {
    t.input_tokens += a.usage.input_tokens;
    t.cached_input_tokens += a.usage.cached_input_tokens;
    t.cache_creation_input_tokens += a.usage.cache_creation_input_tokens;
    t.output_tokens += a.usage.output_tokens;
  }
  if (a.cost_usd !== null) {
    t.cost_usd += a.cost_usd;
    return;
  }
  const est = estimateCost(a);
  if (est !== null) {
    t.cost_usd += est;
    t.estimated = true;
  } else if (a.usage) t.unpriced_attempts++;
}

/** Sums per run and per role, rounded to a millionth of a dollar. */
export function sumUsage(rows: Array<{ role_id: number; agent: AgentSummary }>): {
  total: UsageTotals;
  byRole: Map<number, UsageTotals>;
} {
  const total = emptyTotals();
  const byRole = new Map<number, UsageTotals>();
  for (const r of rows) {
    addUsage(total, r.agent);
    const t = byRole.get(r.role_id) ?? emptyTotals();
    addUsage(t, r.agent);
    byRole.set(r.role_id, t);
  }
  const round = (t: UsageTotals) => (t.cost_usd = Math.round(t.cost_usd * 1e6) / 1e6);
  round(total);
  for (const t of byRole.values()) round(t);
  return { total, byRole };
}
