import { recordDispatchBlocked } from './dispatchBlocked.js';
import type { Role, RunnerCapability } from '@multyagents/contracts';
import { liveAttemptCounts } from '../store/ops/attempts.js';
import { listRunners, type RunnerRow } from '../store/ops/runners.js';
import type { TaskRow } from '../store/ops/tasks.js';
import type { Sql } from '../store/sql.js';
import { parseJson } from '../store/sql.js';
import type { ServiceContext } from './context.js';
import type { DispatchLookups } from './lookups.js';
import { sandboxRequired } from './worktreePayload.js';

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

export function capabilitiesOf(r: Pick<RunnerRow, 'capabilities'>): string[] {
  return parseJson<string[]>(r.capabilities, []);
}

/**
 * What a runner must be able to do for the task: isolated-worktree needs `git-worktree`,
 * docker-sandbox `docker`, a role that requires a sandbox `bwrap`. Never a silent fallback to a
 * weaker mode: a task whose capability no runner has waits (or its manual dispatch is refused).
 */
export function neededCapabilities(
  t: Pick<TaskRow, 'execution_mode'>,
  role: Pick<Role, 'execution_constraints'> | undefined,
): RunnerCapability[] {
  const needs: RunnerCapability[] = [];
  if (t.execution_mode === 'isolated-worktree') needs.push('git-worktree');
  if (t.execution_mode === 'docker-sandbox') needs.push('docker');
  if (sandboxRequired(role)) needs.push('bwrap');
  return needs;
}

function canDo(r: RunnerRow, needs: readonly string[]): boolean {
  if (needs.length === 0) return true;
  const has = capabilitiesOf(r);
  return needs.every((n) => has.includes(n));
}

/** Least-loaded online runner with a free slot (and `needs`); takes the slot. Ties go to the lowest id. */
export function pickRunner(slots: RunnerSlot[], needs: readonly string[] = []): RunnerRow | null {
  let best: RunnerSlot | null = null;
  for (const s of slots) {
    if (s.free <= 0 || !canDo(s.runner, needs)) continue;
    if (!best || s.free > best.free) best = s;
  }
  if (!best) return null;
  best.free -= 1;
  return best.runner;
}

/**
 * Where the task goes: a runner (slot taken), or none — `missing` names the capability no online
 * runner has (null: capable runners are busy, or no runner is online at all, the usual paths).
 */
export function place(
  slots: RunnerSlot[],
  needs: readonly RunnerCapability[],
): { runner: RunnerRow; missing: null } | { runner: null; missing: RunnerCapability | null } {
  const online = slots.filter((s) => s.runner.liveness === 'online');
  const missing = online.length ? needs.find((n) => !online.some((s) => canDo(s.runner, [n]))) : undefined;
  if (missing) return { runner: null, missing };
  const runner = pickRunner(slots, needs);
  return runner ? { runner, missing: null } : { runner: null, missing: null };
}

export function describeCapabilities(slots: RunnerSlot[]) {
  return slots
    .filter((s) => s.runner.liveness === 'online')
    .map((s) => ({ name: s.runner.name, capabilities: capabilitiesOf(s.runner) }));
}

/**
 * The scheduler's placement of one ready task. A task no online runner can honour stays ready; its
 * `task.dispatch_blocked` event is recorded once per missing capability (the task remembers it; a
 * claim clears it), not once per pass.
 */
export async function placeTask(
  ctx: ServiceContext,
  sql: Sql,
  slots: RunnerSlot[],
  t: TaskRow,
  look: DispatchLookups,
): Promise<RunnerRow | null> {
  const needs = neededCapabilities(t, await look.role(t.role_id));
  const p = place(slots, needs);
  if (p.runner || !p.missing) return p.runner;
  await recordDispatchBlocked(ctx, sql, t, p.missing, {
    reason: 'sandbox-unavailable',
    capability: p.missing,
    execution_mode: t.execution_mode,
    runners: describeCapabilities(slots),
  });
  return null;
}
