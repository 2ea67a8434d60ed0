import type { PanelParams } from './metrics/b14b15panel.js';
import type { FanoutParams } from './stream/fanout.js';

/** What one `bench` invocation measures, and how much of it (the only place sizes live). */
export interface BenchPlan {
  mode: 'quick' | 'full';
  floorSamples: number;
  b1: {
    oneClientCount: number;
    oneClientMaxMs: number;
    rates: number[];
    durationMs: number;
    drainMs: number;
    /** Warm-up before each measured phase on its stack (see B1Params): creates, and ms at the rate. */
    oneClientWarmup: number;
    warmupMs: number;
  };
  b2: { samples: number };
  b8: { repeats: number; fanout: number };
  /** Throughput phases are bounded by time as well as count: creating stops after createForMs. */
  b3: {
    runs: number;
    createForMs: number;
    /**
     * Runs in flight in the closed loop. The peer drains a backlog queued beforehand (all of
     * `peer.throughputJobs` at once); 256 in flight is our closest equivalent that still measures runs
     * to completion. A second row at `smallWindow` shows how much of the figure the depth buys.
     */
    window: number;
    smallWindow: number;
    spawnRuns: number;
    spawnCreateForMs: number;
    spawnWindow: number;
    runnerCapacity: number;
  };
  /** stepMs: how long each run's first step runs on the runner (so that work is in flight at the kill). */
  b4: { rate: number; killAfterMs: number; durationMs: number; stepMs: number };
  b5: { timeoutMs: number; repeats: number; stressMs: number };
  b6: { levels: number[]; workMs: number } | null;
  /** Each of B1, B2, B3 per level stops after phaseMs. */
  b7: { levels: number[]; b1Count: number; b2Samples: number; phaseMs: number } | null;
  peer: { latencySamples: number; throughputJobs: number; concurrency: number[] };
  /** B10–B12 (isolated worktrees, agent CLIs): every phase is bounded by maxMs as well as count. */
  b10: {
    files: number;
    dirs: number;
    smallFiles: number;
    samples: number;
    warmup: number;
    maxMs: number;
    sandboxOff: boolean;
  };
  b11: { samples: number; warmup: number; runTimeoutMs: number; maxMs: number };
  b12: { files: number; dirs: number; runs: number; window: number; maxMs: number };
  /** B13: the event stream's fan-out (see stream/fanout.ts). */
  b13: FanoutParams;
  /** B14/B15: the web panel in chromium on a store of `runs` runs (see metrics/b14b15panel.ts). */
  panel: PanelParams;
}

export function makePlan(quick: boolean): BenchPlan {
  if (quick) {
    return {
      mode: 'quick',
      floorSamples: 500,
      b1: {
        oneClientCount: 300,
        oneClientMaxMs: 8_000,
        rates: [100, 500],
        durationMs: 3_000,
        drainMs: 3_000,
        oneClientWarmup: 100,
        warmupMs: 4_000,
      },
      b2: { samples: 200 },
      b8: { repeats: 3, fanout: 100 },
      b3: {
        runs: 2_000,
        createForMs: 10_000,
        window: 256,
        smallWindow: 64,
        spawnRuns: 40,
        spawnCreateForMs: 5_000,
        spawnWindow: 8,
        runnerCapacity: 256,
      },
      b4: { rate: 100, killAfterMs: 1_500, durationMs: 4_000, stepMs: 500 },
      b5: { timeoutMs: 1_000, repeats: 1, stressMs: 5_000 },
      b6: null,
      b7: null,
      peer: { latencySamples: 300, throughputJobs: 3_000, concurrency: [1] },
      b10: {
        files: 10_000,
        dirs: 100,
        smallFiles: 10,
        samples: 5,
        warmup: 1,
        maxMs: 150_000,
        sandboxOff: true,
      },
      b11: { samples: 5, warmup: 1, runTimeoutMs: 60_000, maxMs: 180_000 },
      b12: { files: 10_000, dirs: 100, runs: 20, window: 4, maxMs: 300_000 },
      b13: { clients: 100, events: 300, rate: 100, deliverTimeoutMs: 10_000 },
      panel: { runs: 10_000, baseRuns: 100, loads: 10, live: { changes: 200, rate: 10, settleMs: 10_000 } },
    };
  }
  return {
    mode: 'full',
    floorSamples: 2_000,
    b1: {
      oneClientCount: 1_000,
      oneClientMaxMs: 20_000,
      rates: [100, 250, 500, 1000],
      durationMs: 10_000,
      drainMs: 10_000,
      oneClientWarmup: 200,
      warmupMs: 5_000,
    },
    b2: { samples: 1_000 },
    b8: { repeats: 20, fanout: 100 },
    b3: {
      runs: 20_000,
      createForMs: 45_000,
      window: 256,
      smallWindow: 64,
      spawnRuns: 300,
      spawnCreateForMs: 20_000,
      spawnWindow: 8,
      runnerCapacity: 256,
    },
    b4: { rate: 200, killAfterMs: 3_000, durationMs: 8_000, stepMs: 500 },
    b5: { timeoutMs: 1_000, repeats: 3, stressMs: 20_000 },
    b6: { levels: [10_000, 100_000], workMs: 8_000 },
    b7: { levels: [100_000, 1_000_000], b1Count: 300, b2Samples: 200, phaseMs: 10_000 },
    peer: { latencySamples: 1_000, throughputJobs: 10_000, concurrency: [1, 24] },
    b10: {
      files: 10_000,
      dirs: 100,
      smallFiles: 10,
      samples: 20,
      warmup: 2,
      maxMs: 600_000,
      sandboxOff: true,
    },
    b11: { samples: 20, warmup: 1, runTimeoutMs: 60_000, maxMs: 600_000 },
    b12: { files: 10_000, dirs: 100, runs: 100, window: 4, maxMs: 900_000 },
    b13: { clients: 100, events: 1_000, rate: 100, deliverTimeoutMs: 10_000 },
    panel: { runs: 10_000, baseRuns: 200, loads: 20, live: { changes: 500, rate: 10, settleMs: 10_000 } },
  };
}
