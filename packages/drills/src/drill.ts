/**
 * What a drill is and what it gets to work with. A drill's `run` follows the same phases every time:
 * steady state (the system works before we break it) → inject → heal → wait → oracles; the harness
 * adds the rollback (always), the budgets and the verdict.
 */
import { collectHistory, takeSnapshot } from './history.js';
import type { DrillTimeouts } from './schedule.js';
import type { DrillStack } from './stack.js';
import type { AckSnapshot, Budgets, Check, FaultRecord, History } from './types.js';
import type { CreatedRun } from './workflow.js';

export interface DrillOutcome {
  checks: Check[];
  detection_ms?: number | null;
  recovery_ms?: number | null;
}

export interface Drill {
  id: string;
  name: string;
  /** One line for `--list` and docs. */
  summary: string;
  budgets(t: DrillTimeouts): Budgets;
  /** Upper bound of the whole drill (the harness aborts it as failed past this). */
  timeoutMs: number;
  run(ctx: DrillContext): Promise<DrillOutcome>;
}

export class DrillContext {
  readonly fault: FaultRecord = { what: '', when: [], fired: false, healed: false, notes: [] };
  readonly details: Record<string, unknown> = {};
  readonly created: CreatedRun[] = [];
  readonly snapshots: AckSnapshot[] = [];
  /** The last history read back (kept as evidence by the harness). */
  history: History | null = null;
  private readonly t0 = Date.now();

  constructor(
    readonly id: string,
    readonly seed: number,
    readonly schedule: Record<string, unknown>,
    readonly timeouts: DrillTimeouts,
    readonly stack: DrillStack,
    readonly dir: string,
    private readonly progress: (line: string) => void,
  ) {}

  log(msg: string): void {
    this.progress(`[chaos]   ${this.id} +${((Date.now() - this.t0) / 1000).toFixed(1)}s ${msg}`);
  }

  /** Record one injection (time now); `fired` is set by the drill once it has proof the fault took effect. */
  injected(what: string): number {
    const now = Date.now();
    this.fault.what = this.fault.what ? `${this.fault.what}; ${what}` : what;
    this.fault.when.push(new Date(now).toISOString());
    this.log(`inject: ${what}`);
    return now;
  }

  note(text: string): void {
    this.fault.notes.push(text);
  }

  /** Record what the API acknowledged so far (for acknowledged ⇒ durable). */
  async snapshot(): Promise<AckSnapshot> {
    const s = await takeSnapshot(this.stack.client);
    this.snapshots.push(s);
    return s;
  }

  /** Read back everything the system recorded (API events, runs, tasks, attempts; the ledger). */
  async collect(): Promise<History> {
    this.history = await collectHistory(this.stack.client, this.stack.ledgerFile);
    return this.history;
  }

  num(key: string): number {
    const v = this.schedule[key];
    if (typeof v !== 'number') throw new Error(`schedule of ${this.id} has no number ${key}`);
    return v;
  }

  str<T extends string>(key: string): T {
    const v = this.schedule[key];
    if (typeof v !== 'string') throw new Error(`schedule of ${this.id} has no string ${key}`);
    return v as T;
  }
}

/** A steady-state failure: the system did not work before any fault, so the drill cannot judge it. */
export class SteadyStateError extends Error {}

/** Throw SteadyStateError with `what` unless `value` is truthy. */
export function steady<T>(value: T | null | undefined | false, what: string): T {
  if (!value) throw new SteadyStateError(`steady state not reached: ${what}`);
  return value;
}
