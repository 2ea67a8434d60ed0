/**
 * The chaos harness: sweeps what crashed harnesses left, runs the chosen drills one after another —
 * each on its own fresh API + runners in a per-drill folder of the invocation's evidence folder —
 * always rolls back (try/finally, and signal handlers for Ctrl-C / SIGTERM / SIGHUP), and builds the
 * report: one JSON document with config, summary and one entry per drill.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DrillContext, SteadyStateError, type Drill } from './drill.js';
import { collectHistory } from './history.js';
import { productVersion } from './product.js';
import { HarnessRegistry, sweepLeftovers, type SweepOutcome } from './registry.js';
import { scheduleFor, type DrillTimeouts } from './schedule.js';
import { DrillStack } from './stack.js';
import type { Env } from './processes.js';
import type { ChaosReport, Check, ScenarioResult } from './types.js';
import { budgetCheck, buildReport, check, composeVerdict, progressLine } from './verdict.js';

const VERSION = productVersion();

export interface ChaosOptions {
  drills: Drill[];
  seed: number;
  timeouts: DrillTimeouts;
  /** The invocation's evidence folder is created inside this one. */
  evidenceRoot: string;
  /** Keep the drills' data dirs (stores, runner journals) even when they passed. */
  keep: boolean;
  stateDir: string;
  baseEnv: Env;
  progress: (line: string) => void;
  /** Install SIGINT/SIGTERM/SIGHUP handlers that roll back and exit (the command does; tests do not). */
  handleSignals?: boolean;
}

export interface ChaosRun {
  report: ChaosReport;
  evidenceDir: string;
  wallMs: number;
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
}

function timeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  p.catch(() => undefined);
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export async function runChaos(o: ChaosOptions): Promise<ChaosRun> {
  const started = Date.now();
  const sweep: SweepOutcome = await sweepLeftovers(o.stateDir);
  if (sweep.killed.length)
    o.progress(
      `[chaos] leftover sweep: killed ${sweep.killed.map((k) => `${k.role} ${k.pid}`).join(', ')} from a crashed harness`,
    );
  for (const d of sweep.unmounted) o.progress(`[chaos] leftover sweep: unmounted ${d}`);
  for (const d of sweep.cgroups_removed) o.progress(`[chaos] leftover sweep: removed cgroup ${d}`);
  const evidenceDir = path.join(o.evidenceRoot, `${stamp(new Date())}-seed${o.seed}`);
  fs.mkdirSync(evidenceDir, { recursive: true });
  o.progress(`[chaos] evidence: ${evidenceDir}`);
  const registry = new HarnessRegistry(o.stateDir, evidenceDir);
  const ports: Record<string, unknown> = {};
  const scenarios: ScenarioResult[] = [];
  let current: DrillStack | null = null;

  const onSignal = (sig: NodeJS.Signals) => {
    o.progress(`[chaos] ${sig}: rolling back and stopping`);
    const stack = current;
    void (stack ? stack.teardown() : Promise.resolve())
      .catch(() => undefined)
      .finally(() => {
        registry.close();
        process.stdout.write('[chaos] FAIL\n');
        process.exit(130);
      });
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  if (o.handleSignals) for (const s of signals) process.on(s, onSignal);

  try {
    for (const drill of o.drills) {
      const dir = path.join(evidenceDir, drill.id);
      fs.mkdirSync(dir, { recursive: true });
      const schedule = scheduleFor(drill.id, o.seed, o.timeouts);
      o.progress(`[chaos] ${drill.id}: ${drill.summary}`);
      const stack = new DrillStack({ dir, timeouts: o.timeouts, registry, baseEnv: o.baseEnv, seed: o.seed });
      current = stack;
      const ctx = new DrillContext(drill.id, o.seed, schedule, o.timeouts, stack, dir, o.progress);
      const t0 = Date.now();
      let checks: Check[] = [];
      let error: string | null = null;
      let detection: number | null = null;
      let recovery: number | null = null;
      try {
        const out = await timeout(drill.run(ctx), drill.timeoutMs, drill.id);
        checks = out.checks;
        detection = out.detection_ms ?? null;
        recovery = out.recovery_ms ?? null;
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        if (err instanceof SteadyStateError) checks.push(check('steady_state', false, msg));
        else error = msg;
        ctx.log(`error: ${msg}`);
      } finally {
        if (!ctx.history && (await stack.client.healthy().catch(() => false)))
          ctx.history = await collectHistory(stack.client, stack.ledgerFile).catch(() => null);
        ctx.details.rollback = await stack.teardown().catch((e: unknown) => ({ error: String(e) }));
        current = null;
      }
      const budgets = drill.budgets(o.timeouts);
      if (!error && !checks.some((c) => c.name === 'steady_state')) {
        if (budgets.detection_ms !== null)
          checks.push(budgetCheck('detection_within_budget', detection, budgets.detection_ms));
        if (budgets.recovery_ms !== null)
          checks.push(budgetCheck('recovery_within_budget', recovery, budgets.recovery_ms));
      }
      const result: ScenarioResult = {
        scenario: drill.id,
        name: drill.name,
        status: composeVerdict(checks, ctx.fault, error),
        details: { runs: ctx.created, ...ctx.details },
        fault: ctx.fault,
        checks,
        timings: { detection_ms: detection, recovery_ms: recovery, wall_ms: Date.now() - t0 },
        budgets,
        seed: o.seed,
        schedule,
        evidence: dir,
        error,
      };
      ports[drill.id] = {
        api: stack.apiPort,
        runners: stack.runners.filter(Boolean).map((r) => r.port),
        proxies: stack.proxies.map((p) => p.port),
      };
      if (ctx.history)
        fs.writeFileSync(
          path.join(dir, 'history.json'),
          JSON.stringify({ ...ctx.history, snapshots: ctx.snapshots.length }, null, 1),
        );
      fs.writeFileSync(path.join(dir, 'result.json'), JSON.stringify(result, null, 2));
      if (result.status === 'success' && !o.keep) fs.rmSync(stack.dataDir, { recursive: true, force: true });
      scenarios.push(result);
      o.progress(progressLine(result));
    }
  } finally {
    if (o.handleSignals) for (const s of signals) process.off(s, onSignal);
    registry.close();
  }

  const config = {
    seed: o.seed,
    ports: { host: '127.0.0.1', allocation: 'free ephemeral ports per drill', by_drill: ports },
    timeouts: {
      heartbeat_timeout_ms: o.timeouts.heartbeatTimeoutMs,
      lost_grace_ms: o.timeouts.lostGraceMs,
      runner_heartbeat_ms: Math.max(100, Math.floor(o.timeouts.heartbeatTimeoutMs / 5)),
      scheduler_interval_ms: o.timeouts.schedulerIntervalMs,
      runner_call_timeout_ms: o.timeouts.runnerCallTimeoutMs,
      runner_api_timeout_ms: o.timeouts.runnerApiTimeoutMs,
      outbox_cap_ms: o.timeouts.outboxCapMs,
      kill_grace_ms: o.timeouts.killGraceMs,
    },
    store: { kind: 'sqlite', data_dirs: 'per drill, <evidence>/<drill>/data', kept: o.keep },
    versions: {
      multyagents: VERSION,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    evidence: evidenceDir,
    drills: o.drills.map((d) => d.id),
    leftover_sweep: {
      registries: sweep.registries,
      killed: sweep.killed.length,
      unmounted: sweep.unmounted.length,
      cgroups_removed: sweep.cgroups_removed.length,
    },
  };
  const report = buildReport(config, scenarios);
  fs.writeFileSync(path.join(evidenceDir, 'report.json'), JSON.stringify(report, null, 2));
  return { report, evidenceDir, wallMs: Date.now() - started };
}
