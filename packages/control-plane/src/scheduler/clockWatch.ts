/**
 * The API watching its own clocks between scheduler passes. Time-driven checks compare stored wall
 * times (deadlines, last heartbeats) with the wall clock, so two things would fool them:
 * - the wall clock jumped (NTP step, an operator, a VM resumed): wall time moved by more or less than
 *   the monotonic clock. Every stored anchor moves by the jump, so no deadline expires and no runner
 *   times out because of it (no mass expiry).
 * - the API itself did not run for longer than a heartbeat timeout (SIGSTOP, a VM paused, a stalled
 *   event loop): heartbeats could not land meanwhile, so online runners get a fresh timeout, as after
 *   a restart (reconciler.ts), instead of being declared unreachable for the API's own absence.
 */
import { iso } from '../lib/clock.js';
import type { ServiceContext } from '../services/context.js';
import { shiftWallAnchors } from '../store/ops/clock.js';
import { insertEvent } from '../store/ops/events.js';
import { refreshAllLastSeen } from '../store/ops/runners.js';

/** Wall and monotonic clocks may disagree by this much between two passes before it is a jump. */
export const JUMP_TOLERANCE_MS = 1000;

export interface ClockFinding {
  /** Wall clock moved this much more than real time (negative: backwards); 0 when within tolerance. */
  jumpMs: number;
  /** Real time since the previous pass, when longer than the heartbeat timeout; else 0. */
  stallMs: number;
}

/** Pure: compares each observation with the previous one. */
export class ClockWatch {
  private prev: { wall: number; mono: number } | null = null;

  observe(wall: number, mono: number, stallAfterMs: number): ClockFinding {
    const prev = this.prev;
    this.prev = { wall, mono };
    if (!prev) return { jumpMs: 0, stallMs: 0 };
    const real = mono - prev.mono;
    const drift = wall - prev.wall - real;
    return {
      jumpMs: Math.abs(drift) > JUMP_TOLERANCE_MS ? Math.round(drift) : 0,
      stallMs: real > stallAfterMs ? Math.round(real) : 0,
    };
  }
}

/**
 * A pass comes at least every scheduler interval; a gap longer than the heartbeat timeout (and than a
 * few intervals, so that no setting makes every pass look like a stall) means the API was not running.
 */
export function stallAfterMs(ctx: Pick<ServiceContext, 'config'>): number {
  return Math.max(ctx.config.heartbeatTimeoutMs, 4 * ctx.config.schedulerIntervalMs);
}

/** One observation, acted on: anchors shifted by a jump, runners forgiven a stall; both recorded. */
export async function checkClocks(ctx: ServiceContext, watch: ClockWatch): Promise<ClockFinding> {
  const f = watch.observe(ctx.clock.now(), ctx.clock.monotonic(), stallAfterMs(ctx));
  if (f.jumpMs === 0 && f.stallMs === 0) return f;
  await ctx.store.tx(async (sql) => {
    const now = ctx.clock.now();
    if (f.jumpMs !== 0) {
      const moved = await shiftWallAnchors(sql, f.jumpMs, now);
      await insertEvent(
        sql,
        { event_type: 'api.clock_jumped', payload: { jump_ms: f.jumpMs, ...moved } },
        iso(now),
      );
      ctx.logger.warn(
        { jump_ms: f.jumpMs, ...moved },
        'wall clock jumped: deadlines and heartbeat times moved with it',
      );
    }
    if (f.stallMs !== 0) {
      await refreshAllLastSeen(sql, now);
      await insertEvent(sql, { event_type: 'api.stalled', payload: { stalled_ms: f.stallMs } }, iso(now));
      ctx.logger.warn(
        { stalled_ms: f.stallMs },
        'the API did not run for longer than the heartbeat timeout: runners get a fresh timeout',
      );
    }
  });
  return f;
}
