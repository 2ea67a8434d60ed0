import type { BenchPlan } from '../plan.js';
import { skipped, type MetricResult } from '../report.js';

export async function b6(_d: 'full' | 'relaxed', _keep: boolean, _plan: BenchPlan): Promise<MetricResult> {
  return skipped('B6', 'API memory vs completed runs', 'not implemented yet');
}
