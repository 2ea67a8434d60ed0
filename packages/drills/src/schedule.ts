/**
 * Seed → fault schedule: a pure function of (drill id, seed, timeouts). Drills never call
 * Math.random; they read the concrete delays and choices from their schedule, which is also printed
 * in the JSON report so a run can be replayed with `--seed`.
 */
import { intIn, pick, rngFor, shuffle, type Rng } from './rng.js';

export interface DrillTimeouts {
  /** API: runner silent longer than this is unreachable. */
  heartbeatTimeoutMs: number;
  /** API: unreachable longer than this → its attempts are lost. */
  lostGraceMs: number;
  schedulerIntervalMs: number;
  /** API → runner call timeout. */
  runnerCallTimeoutMs: number;
  /** Runner → API call timeout. */
  runnerApiTimeoutMs: number;
  /** Cap of the runner's outbox retry backoff. */
  outboxCapMs: number;
  /** Runner: SIGTERM → SIGKILL grace for an agent tree. */
  killGraceMs: number;
  /** Waiting for a process to come up (health answered). */
  startupMs: number;
}

export const DEFAULT_TIMEOUTS: DrillTimeouts = {
  heartbeatTimeoutMs: 1500,
  lostGraceMs: 1000,
  schedulerIntervalMs: 50,
  runnerCallTimeoutMs: 1000,
  runnerApiTimeoutMs: 1000,
  outboxCapMs: 500,
  killGraceMs: 500,
  startupMs: 20_000,
};

export type MixFaultKind =
  'api_kill9' | 'api_sigterm' | 'runner_kill9' | 'runner_pause' | 'partition' | 'latency';

export interface MixFault {
  kind: MixFaultKind;
  /** Delay after the previous fault was healed. */
  after_ms: number;
  /** How long the fault lasts before it is healed (0: heal at once, e.g. restart right away). */
  hold_ms: number;
  /** Runner index for runner faults. */
  runner: number;
}

type Planner = (rng: Rng, t: DrillTimeouts) => Record<string, unknown>;

/** Past the heartbeat timeout plus the lost grace, with slack for a busy 2-core machine. */
const pastLost = (t: DrillTimeouts) => t.heartbeatTimeoutMs + t.lostGraceMs + 1500;

const PLANNERS: Record<string, Planner> = {
  api_restart_tolerant_flow: (rng) => ({
    first_signal: pick(rng, ['SIGTERM', 'SIGKILL'] as const),
    strike_after_running_ms: intIn(rng, 100, 600),
    second_strike_after_ms: intIn(rng, 200, 700),
  }),
  runner_unreachable_active_run: (rng) => ({
    stop_signal: pick(rng, ['SIGTERM', 'SIGKILL'] as const),
    approve_after_stop_ms: intIn(rng, 0, 200),
  }),
  runner_killed_mid_task: (rng) => ({
    kill_after_running_ms: intIn(rng, 100, 500),
    kill_after_running_ms_retry: intIn(rng, 100, 500),
  }),
  runner_paused_then_resumed: (rng, t) => ({
    pause_after_running_ms: intIn(rng, 100, 400),
    pause_ms: pastLost(t) + intIn(rng, 0, 800),
  }),
  partition_short: (rng, t) => ({
    start_after_running_ms: intIn(rng, 100, 400),
    // Shorter than the heartbeat timeout: nothing may be declared unreachable.
    duration_ms: intIn(rng, Math.floor(t.heartbeatTimeoutMs * 0.3), Math.floor(t.heartbeatTimeoutMs * 0.55)),
    mode: pick(rng, ['blackhole', 'down'] as const),
  }),
  partition_long: (rng, t) => ({
    start_after_running_ms: intIn(rng, 100, 400),
    duration_ms: pastLost(t) + intIn(rng, 500, 1500),
    mode: pick(rng, ['blackhole', 'down'] as const),
  }),
  callbacks_during_api_outage: (rng) => ({
    stop_signal: pick(rng, ['SIGTERM', 'SIGKILL'] as const),
    stop_after_running_ms: intIn(rng, 50, 300),
  }),
  duplicate_and_reordered_callbacks: (rng) => ({
    replays: intIn(rng, 3, 8),
    order: shuffle(rng, [
      'replay_success',
      'late_running',
      'regress_failed',
      'other_terminal',
      'future_attempt',
    ]),
  }),
  second_api_same_store: (rng) => ({
    order: shuffle(rng, ['pid_file_present', 'pid_file_removed']),
  }),
  crash_loop: (rng) => {
    const cycles = intIn(rng, 4, 6);
    return {
      cycles,
      intervals_ms: Array.from({ length: cycles }, () => intIn(rng, 700, 1800)),
    };
  },
  latency_and_resets: (rng) => ({
    latency_ms: intIn(rng, 50, 200),
    jitter_ms: intIn(rng, 0, 50),
    reset_toxicity: Math.round((0.05 + rng() * 0.1) * 100) / 100,
    reset_timeout_ms: intIn(rng, 0, 50),
    // Bursts: every open connection of one proxy (0 callbacks, 1 runner→API, 2 API→runner) is reset.
    bursts: Array.from({ length: intIn(rng, 4, 6) }, () => ({
      after_ms: intIn(rng, 300, 1200),
      proxy: intIn(rng, 0, 2),
    })),
  }),
  disk_full_store: (rng) => ({
    hold_ms: intIn(rng, 1500, 3500),
  }),
  disk_full_runner_journal: (rng) => ({
    // Steps shorter than the hold: the attempts running at the fill finish (and report) while full.
    step_ms: intIn(rng, 500, 1200),
    hold_ms: intIn(rng, 1500, 3500),
  }),
  agent_out_of_memory: (rng) => ({
    // Room for the runner's new allocations and one normal agent (~50 MiB), far below what the greedy
    // agent reaches: the OOM killer's choice (the largest process) is the greedy agent.
    limit_mb: intIn(rng, 384, 640),
    retries: pick(rng, [0, 1] as const),
    normal_step_ms: intIn(rng, 600, 1500),
  }),
  fsync_error_fail_stop: (rng) => ({
    commits_before_failure: intIn(rng, 5, 30),
  }),
  runner_restart_under_load: (rng) => ({
    runs: intIn(rng, 24, 40),
    restart_after_ms: [intIn(rng, 150, 500), intIn(rng, 300, 900)],
  }),
  crash_after_claim_before_submit: (rng) => ({
    // Parallel steps claimed together after step a: the crash leaves all of them claimed, none sent.
    fanout: intIn(rng, 1, 3),
    step_a_ms: intIn(rng, 2000, 3500),
    down_ms: intIn(rng, 0, 500),
  }),
  api_sigterm_at_join: (rng) => ({
    branches: intIn(rng, 2, 4),
    // Branch i runs base + i * stagger ms: their reports arrive one by one around the SIGTERM.
    branch_base_ms: intIn(rng, 600, 1000),
    branch_stagger_ms: intIn(rng, 150, 400),
    strike_after_first_branch_ms: intIn(rng, 0, 500),
    restart_after_exit_ms: intIn(rng, 0, 300),
  }),
  api_paused_reports_due: (rng) => ({
    pause_after_running_ms: intIn(rng, 100, 400),
    // The brief of the fault: 10 s frozen; the steps finish (their reports fall due) inside it.
    pause_ms: 10_000,
    step_ms: Array.from({ length: 3 }, () => intIn(rng, 1500, 7000)),
  }),
  runner_black_holed: (rng) => ({
    start_after_ms: intIn(rng, 0, 300),
    // Several call timeouts long, far inside the default time-to-start (30 s).
    hold_ms: intIn(rng, 2500, 5000),
  }),
  cancel_during_partition: (rng, t) => ({
    mode: pick(rng, ['blackhole', 'down'] as const),
    // finishes: the agent ends on the far side and its late success must be ignored;
    // still_running: the agent outlives the partition and must be killed once the runner is back.
    agent: pick(rng, ['finishes', 'still_running'] as const),
    cancel_after_cut_ms: intIn(rng, 100, 500),
    partition_ms: intIn(rng, t.heartbeatTimeoutMs + 500, pastLost(t)),
  }),
  runner_out_of_fds: (rng) => ({
    // Open files the runner may still open beyond what it holds: too few for an agent's pipes.
    headroom: intIn(rng, 0, 2),
    hold_ms: intIn(rng, 200, 800),
  }),
  torn_wal_tail: (rng) => ({
    kill_after_running_ms: intIn(rng, 200, 800),
    tail: pick(rng, ['partial', 'bad_frame'] as const),
    garbage_bytes: intIn(rng, 1, 4000),
    garbage_seed: intIn(rng, 1, 2_000_000_000),
  }),
  clock_jumps: (rng) => ({
    runner_skew_s: pick(rng, [-300, 300] as const),
    api_jump_s: 3600,
    step1_ms: intIn(rng, 5000, 7000),
    jump_after_running_ms: intIn(rng, 100, 600),
  }),
  seeded_mix: (rng, t) => {
    const apiKinds: MixFaultKind[] = ['api_kill9', 'api_sigterm'];
    const otherKinds: MixFaultKind[] = ['runner_kill9', 'runner_pause', 'partition', 'latency'];
    const n = intIn(rng, 4, 6);
    // At least one API fault and one runner/network fault, the rest from everything, in seeded order.
    const kinds = shuffle(rng, [
      pick(rng, apiKinds),
      pick(rng, otherKinds),
      ...Array.from({ length: n - 2 }, () => pick(rng, [...apiKinds, ...otherKinds])),
    ]);
    const faults: MixFault[] = kinds.map((kind) => {
      const hold =
        kind === 'runner_pause' || kind === 'partition'
          ? intIn(rng, Math.floor(t.heartbeatTimeoutMs * 0.3), pastLost(t))
          : kind === 'latency'
            ? intIn(rng, 1000, 2500)
            : kind === 'runner_kill9'
              ? intIn(rng, 0, pastLost(t))
              : 0;
      return { kind, after_ms: intIn(rng, 300, 1200), hold_ms: hold, runner: intIn(rng, 0, 1) };
    });
    return { faults };
  },
};

export const SCHEDULED_DRILLS = Object.keys(PLANNERS);

/** The fault schedule of one drill under one seed (pure). */
export function scheduleFor(
  drillId: string,
  seed: number,
  t: DrillTimeouts = DEFAULT_TIMEOUTS,
): Record<string, unknown> {
  const planner = PLANNERS[drillId];
  if (!planner) return {};
  return planner(rngFor(seed, drillId), t);
}
