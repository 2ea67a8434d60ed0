import type { UsageTotals } from '../../lib/types';
import { tokens, usd } from './format';

/** The run's tokens and money over every attempt that reported an agent summary (the run view's `usage`). */
export function RunUsage({ usage }: { usage: UsageTotals }) {
  if (usage.attempts === 0) return null;
  return (
    <p className="muted" data-testid="run-usage" aria-label="Run usage">
      agents: {usage.attempts} {usage.attempts === 1 ? 'attempt' : 'attempts'} · tokens in{' '}
      {tokens(usage.input_tokens)} (cached {tokens(usage.cached_input_tokens)}) · out{' '}
      {tokens(usage.output_tokens)} · cost {usd(usage.cost_usd)}
      {usage.estimated ? ' (partly estimated)' : ''}
      {usage.unpriced_attempts > 0 ? ` · ${usage.unpriced_attempts} unpriced` : ''}
    </p>
  );
}
