/**
 * The scheduler loop: sweep, claim ready work (auto mode), submit, deliver cancels, re-submit stuck
 * attempts. It runs when kicked (every state change kicks it) and at least every interval.
 */
import { listTasksNeedingResubmit } from '../store/ops/tasks.js';
import type { ServiceContext } from '../services/context.js';
import { deliverCancels } from './cancels.js';
import { claimReadyIn, submitClaimed, type PassResult } from './dispatchPass.js';
import type { Sql } from '../store/sql.js';
import { endOfGroupClaim, type ClaimState } from './endOfGroupClaim.js';
import { sweep } from './sweeper.js';
import { checkClocks, ClockWatch } from './clockWatch.js';

export class Scheduler implements ClaimState {
  private ctx: ServiceContext | null = null;
  running = false;
  private kicked = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private lastSlowPass = Number.NEGATIVE_INFINITY;
  /** Wall ms at which a runner's liveness is next due to change (see SweepReport.nextLivenessAt). */
  private nextLivenessAt: number | null = null;
  /** Something changed that may have made work ready, and no claim pass has run since. */
  claimWanted = true;
  readonly inflight = new Set<number>();
  private readonly clocks = new ClockWatch();

  kick(): void {
    this.claimWanted = true;
    this.kicked = true;
    this.wake?.();
  }

  start(ctx: ServiceContext): void {
    if (this.running) return;
    this.ctx = ctx;
    this.running = true;
    if (ctx.config.dispatchMode === 'auto') ctx.store.setBatchHook(endOfGroupClaim(ctx, this));
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.ctx?.store.setBatchHook(null);
    this.wake?.();
    await this.loop;
  }

  /** One claim pass inside the caller's transaction (the loop's own, or the end of a commit group). */
  claimIn(sql: Sql): Promise<PassResult> {
    this.claimWanted = false;
    return claimReadyIn(this.ctx!, sql);
  }

  /** One full pass; tests call it directly. */
  async tick(): Promise<void> {
    const ctx = this.ctx!;
    const now = ctx.clock.monotonic();
    // Sweeps and cancel delivery are time-driven: at most every ~interval, not on every kick.
    const livenessDue = this.nextLivenessAt !== null && ctx.clock.now() >= this.nextLivenessAt;
    const slow = livenessDue || now - this.lastSlowPass >= ctx.config.schedulerIntervalMs;
    if (slow) {
      this.lastSlowPass = now;
      // Before the sweep judges anything by the wall clock: a jump or our own stall is not the runners'.
      await checkClocks(ctx, this.clocks);
      this.nextLivenessAt = (await sweep(ctx, this.inflight)).nextLivenessAt;
      await deliverCancels(ctx);
      const resubmit = await ctx.store.read((sql) => listTasksNeedingResubmit(sql));
      const todo = resubmit
        .filter((t) => !this.inflight.has(t.id) && t.status === 'dispatched')
        .map((t) => ({ taskId: t.id, attempt: t.attempt }));
      if (todo.length) void submitClaimed(ctx, todo, this.inflight);
    }
    if (ctx.config.dispatchMode === 'auto' && (this.claimWanted || slow)) {
      // Usually the end-of-group claim already took what the kick made ready; time-driven readiness
      // (backoffs ending) and kicks from outside any transaction are claimed here.
      const pass = await ctx.store.tx((sql) => this.claimIn(sql));
      if (pass.claimed.length) void submitClaimed(ctx, pass.claimed, this.inflight);
    }
  }

  private async run(): Promise<void> {
    const ctx = this.ctx!;
    while (this.running) {
      this.kicked = false;
      try {
        await this.tick();
      } catch (err) {
        ctx.logger.error({ err }, 'scheduler pass failed');
      }
      if (!this.running) break;
      if (this.kicked) continue;
      // Wake for the next periodic pass (kicks in between must not push it back) or when a runner's
      // heartbeat timeout or lost grace runs out, whichever comes first.
      const interval = ctx.config.schedulerIntervalMs;
      let waitMs = Math.min(interval, this.lastSlowPass + interval - ctx.clock.monotonic());
      if (this.nextLivenessAt !== null) waitMs = Math.min(waitMs, this.nextLivenessAt - ctx.clock.now());
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, waitMs));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    // Let in-flight submits settle so their outcome commits before the store closes.
    const deadline = Date.now() + 3_000;
    while (this.inflight.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }
}
