import { describe, expect, it } from 'vitest';
import { estimateCost, priceOf, sumUsage } from '../../src/domain/pricing.js';

const usage = (input: number, cached: number, output: number, cacheWrite = 0) => ({
  input_tokens: input,
  cached_input_tokens: cached,
  cache_creation_input_tokens: cacheWrite,
  output_tokens: output,
});

describe('usage and price estimate', () => {
  it('prices by the longest matching model prefix; codex without a model is priced as gpt-5', () => {
    expect(priceOf('gpt-5-mini-2025', 'codex')!.output).toBe(2);
    expect(priceOf('gpt-5', 'codex')!.output).toBe(10);
    expect(priceOf(null, 'codex')!.output).toBe(10);
    expect(priceOf(null, 'claude')).toBeNull();
    expect(priceOf('my-local-model', 'codex')).toBeNull();
  });

  it("counts codex's cached tokens inside its input, claude's apart", () => {
    // 1M input of which 1M cached: only the cached price.
    expect(estimateCost({ agent: 'codex', model: 'gpt-5', usage: usage(1e6, 1e6, 0) })).toBeCloseTo(0.125);
    // claude: 1M input + 1M cache reads + 1M cache writes, sonnet.
    expect(
      estimateCost({ agent: 'claude', model: 'claude-sonnet-4-5', usage: usage(1e6, 1e6, 0, 1e6) }),
    ).toBeCloseTo(3 + 0.3 + 3.75);
  });

  it('a reported cost is taken as is; an unknown model is unpriced, not zero-priced silently', () => {
    const { total, byRole } = sumUsage([
      { role_id: 1, agent: { agent: 'claude', model: 'x', usage: usage(10, 0, 5), cost_usd: 0.5 } as never },
      {
        role_id: 2,
        agent: { agent: 'codex', model: 'local-llm', usage: usage(10, 0, 5), cost_usd: null } as never,
      },
    ]);
    expect(total).toMatchObject({
      attempts: 2,
      cost_usd: 0.5,
      estimated: false,
      unpriced_attempts: 1,
      input_tokens: 20,
    });
    expect(byRole.get(2)).toMatchObject({ cost_usd: 0, unpriced_attempts: 1 });
  });
});
