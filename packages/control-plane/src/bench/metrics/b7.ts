import type { BenchPlan } from '../plan.js';
import { skipped, type Floors, type MetricResult } from '../report.js';

export async function b7(
  _d: 'full' | 'relaxed',
  _keep: boolean,
  _plan: BenchPlan,
  _f: Floors,
): Promise<MetricResult> {
  return skipped('B7', 'B1–B3 on a big store', 'not implemented yet');
}
