import type { ServiceContext } from '../services/context.js';

/** Placeholder replaced by the dispatch loop in the next commit. */
export class Scheduler {
  kick(): void {}
  start(_ctx: ServiceContext): void {}
  async stop(): Promise<void> {}
}
