/**
 * The scheduler loop: sweep, claim ready work (auto mode), submit, deliver cancels, re-submit stuck
 * attempts. It runs when kicked (every state change kicks it) and at least every interval.
 */
import { listTasksNeedingResubmit } from '../store/ops/tasks.js';
import type { ServiceContext } from '../services/context.js';
import { deliverCancels } from './cancels.js';
import { claimReady, submitClaimed } from './dispatchPass.js';
import { sweep } from './sweeper.js';

export class Scheduler {
  private ctx: ServiceContext | null = null;
  private running = false;
  private kicked = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private lastSlowPass = Number.NEGATIVE_INFINITY;
  readonly inflight = new Set<number>();

  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  start(ctx: ServiceContext): void {
    if (this.running) return;
    this.ctx = ctx;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** One full pass; tests call it directly. */
  async tick(): Promise<void> {
    const ctx = this.ctx!;
    const now = ctx.clock.monotonic();
    // Sweeps and cancel delivery are time-driven: at most every ~interval, not on every kick.
    if (now - this.lastSlowPass >= ctx.config.schedulerIntervalMs) {
      this.lastSlowPass = now;
      await sweep(ctx, this.inflight);
      await deliverCancels(ctx);
      const resubmit = await ctx.store.read((sql) => listTasksNeedingResubmit(sql));
      const todo = resubmit
        .filter((t) => !this.inflight.has(t.id) && t.status === 'dispatched')
        .map((t) => ({ taskId: t.id, attempt: t.attempt }));
      if (todo.length) void submitClaimed(ctx, todo, this.inflight);
    }
    if (ctx.config.dispatchMode === 'auto') {
      const pass = await claimReady(ctx);
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
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ctx.config.schedulerIntervalMs);
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
