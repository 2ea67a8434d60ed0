/**
 * Verdicts and the report (pure). A drill succeeds only if its fault demonstrably fired and every
 * oracle held; any invalid oracle fails it; otherwise (fault not fired, oracle not evaluable, no
 * oracle at all, not healed) it is inconclusive — which is not a pass.
 */
import type { ChaosReport, Check, FaultRecord, ScenarioResult, Summary, Verdict } from './types.js';

export function composeVerdict(
  checks: readonly Check[],
  fault: FaultRecord,
  error: string | null = null,
): Verdict {
  if (checks.some((c) => !c.valid && !c.inconclusive)) return 'failed';
  if (error !== null) return 'failed';
  if (checks.length === 0) return 'inconclusive';
  if (checks.some((c) => c.inconclusive)) return 'inconclusive';
  if (!fault.fired || !fault.healed) return 'inconclusive';
  return 'success';
}

export function buildSummary(scenarios: readonly Pick<ScenarioResult, 'status'>[]): Summary {
  const passed = scenarios.filter((s) => s.status === 'success').length;
  const failed = scenarios.filter((s) => s.status === 'failed').length;
  const inconclusive = scenarios.filter((s) => s.status === 'inconclusive').length;
  const overall: Verdict =
    failed > 0 ? 'failed' : inconclusive > 0 || scenarios.length === 0 ? 'inconclusive' : 'success';
  return { overall_status: overall, total: scenarios.length, passed, failed, inconclusive };
}

export function buildReport(config: Record<string, unknown>, scenarios: ScenarioResult[]): ChaosReport {
  return { config, summary: buildSummary(scenarios), scenarios };
}

/** The last line of the command's output. */
export function finalLine(summary: Summary): string {
  return summary.overall_status === 'success' ? '[chaos] PASS' : '[chaos] FAIL';
}

/** One progress line per drill (stderr). */
export function progressLine(
  r: Pick<ScenarioResult, 'scenario' | 'status' | 'checks' | 'timings' | 'error'>,
): string {
  const bad = r.checks.filter((c) => !c.valid || c.inconclusive).map((c) => c.name);
  const t = r.timings;
  const times = [
    t.detection_ms !== null ? `detection ${t.detection_ms} ms` : null,
    t.recovery_ms !== null ? `recovery ${t.recovery_ms} ms` : null,
    `wall ${(t.wall_ms / 1000).toFixed(1)} s`,
  ]
    .filter(Boolean)
    .join(', ');
  const why = r.error ? ` — ${r.error}` : bad.length ? ` — ${bad.join(', ')}` : '';
  return `[chaos] ${r.scenario}: ${r.status.toUpperCase()} (${r.checks.length} checks; ${times})${why}`;
}

/** A check builder that keeps oracle code short. */
export function check(name: string, valid: boolean, detail: string): Check {
  return { name, valid, detail };
}

export function inconclusiveCheck(name: string, detail: string): Check {
  return { name, valid: false, detail, inconclusive: true };
}

/** A measured duration against its budget; unmeasured is inconclusive, never a pass. */
export function budgetCheck(name: string, measured: number | null, budget: number): Check {
  if (measured === null) return inconclusiveCheck(name, `not measured (budget ${budget} ms)`);
  return check(name, measured <= budget, `${measured} ms (budget ${budget} ms)`);
}
