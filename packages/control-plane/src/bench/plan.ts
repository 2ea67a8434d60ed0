/** What one `bench` invocation measures, and how much of it (the only place sizes live). */
export interface BenchPlan {
  mode: 'quick' | 'full';
  floorSamples: number;
  b1: { oneClientCount: number; rates: number[]; durationMs: number };
  b2: { samples: number };
  b8: { repeats: number; fanout: number };
  b3: { runs: number; window: number; spawnRuns: number; spawnWindow: number; runnerCapacity: number };
  b4: { rate: number; killAfterMs: number; durationMs: number };
  b5: { timeoutMs: number; repeats: number; stressMs: number };
  b6: { runs: number[] } | null;
  b7: { stored: number[]; b1Count: number; b2Samples: number; b3Runs: number } | null;
  peer: { latencySamples: number; throughputJobs: number; concurrency: number[] };
}

export function makePlan(quick: boolean): BenchPlan {
  if (quick) {
    return {
      mode: 'quick',
      floorSamples: 500,
      b1: { oneClientCount: 300, rates: [100, 500], durationMs: 3_000 },
      b2: { samples: 300 },
      b8: { repeats: 5, fanout: 100 },
      b3: { runs: 1_000, window: 64, spawnRuns: 40, spawnWindow: 8, runnerCapacity: 128 },
      b4: { rate: 100, killAfterMs: 1_500, durationMs: 4_000 },
      b5: { timeoutMs: 1_000, repeats: 1, stressMs: 5_000 },
      b6: null,
      b7: null,
      peer: { latencySamples: 300, throughputJobs: 5_000, concurrency: [1] },
    };
  }
  return {
    mode: 'full',
    floorSamples: 2_000,
    b1: { oneClientCount: 1_000, rates: [100, 250, 500, 1000], durationMs: 10_000 },
    b2: { samples: 1_000 },
    b8: { repeats: 20, fanout: 100 },
    b3: { runs: 5_000, window: 64, spawnRuns: 200, spawnWindow: 8, runnerCapacity: 128 },
    b4: { rate: 200, killAfterMs: 3_000, durationMs: 8_000 },
    b5: { timeoutMs: 1_000, repeats: 3, stressMs: 20_000 },
    b6: { runs: [10_000, 100_000] },
    b7: { stored: [100_000, 1_000_000], b1Count: 500, b2Samples: 300, b3Runs: 2_000 },
    peer: { latencySamples: 1_000, throughputJobs: 20_000, concurrency: [1, 24] },
  };
}
