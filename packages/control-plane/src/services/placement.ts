import { liveAttemptCounts } from '../store/ops/attempts.js';
import { listRunners, type RunnerRow } from '../store/ops/runners.js';
import type { Sql } from '../store/sql.js';

export interface RunnerSlot {
  runner: RunnerRow;
  free: number;
}

/** Online runners with their free capacity (capacity minus live attempts); a draining runner has none. */
export async function runnerSlots(sql: Sql): Promise<RunnerSlot[]> {
  const counts = new Map((await liveAttemptCounts(sql)).map((c) => [c.runner_id, c.n]));
  return (await listRunners(sql)).map((r) => ({
    runner: r,
    free: r.liveness === 'online' && r.draining === 0 ? Math.max(0, r.capacity - (counts.get(r.id) ?? 0)) : 0,
  }));
}

/** Least-loaded online runner with a free slot; takes the slot. Ties go to the lowest id. */
export function pickRunner(slots: RunnerSlot[]): RunnerRow | null {
  let best: RunnerSlot | null = null;
  for (const s of slots) {
    if (s.free <= 0) continue;
    if (!best || s.free > best.free) best = s;
  }
  if (!best) return null;
  best.free -= 1;
  return best.runner;
}
