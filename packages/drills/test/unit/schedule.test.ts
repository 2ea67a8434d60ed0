import { describe, expect, it } from 'vitest';
import { hash32, intIn, mulberry32, rngFor, shuffle } from '../../src/rng.js';
import { DEFAULT_TIMEOUTS, SCHEDULED_DRILLS, scheduleFor, type MixFault } from '../../src/schedule.js';

describe('seeded randomness', () => {
  it('the same seed gives the same sequence; another seed another one', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const sa = Array.from({ length: 20 }, () => a());
    expect(Array.from({ length: 20 }, () => b())).toEqual(sa);
    expect(Array.from({ length: 20 }, () => c())).not.toEqual(sa);
    for (const x of sa) expect(x >= 0 && x < 1).toBe(true);
  });

  it('labels separate the streams of different drills', () => {
    expect(hash32('1/a')).not.toBe(hash32('1/b'));
    expect(rngFor(1, 'a')()).not.toBe(rngFor(1, 'b')());
  });

  it('intIn stays within bounds and shuffle is a permutation', () => {
    const r = mulberry32(7);
    for (let i = 0; i < 500; i++) {
      const v = intIn(r, 3, 5);
      expect(v >= 3 && v <= 5 && Number.isInteger(v)).toBe(true);
    }
    expect(shuffle(r, [1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('seed → fault schedule', () => {
  it('is a pure function of (drill, seed, timeouts)', () => {
    for (const id of SCHEDULED_DRILLS) {
      expect(scheduleFor(id, 12345)).toEqual(scheduleFor(id, 12345));
      expect(JSON.stringify(scheduleFor(id, 12345))).toBe(
        JSON.stringify(scheduleFor(id, 12345, { ...DEFAULT_TIMEOUTS })),
      );
    }
  });

  it('different seeds give different schedules', () => {
    for (const id of SCHEDULED_DRILLS) {
      const seen = new Set(Array.from({ length: 10 }, (_, s) => JSON.stringify(scheduleFor(id, s))));
      expect(seen.size, id).toBeGreaterThan(1);
    }
  });

  it('a drill without a planner has an empty schedule', () => {
    expect(scheduleFor('no_such_drill', 1)).toEqual({});
  });

  it('partitions stay on their side of the heartbeat timeout, for every seed', () => {
    const t = DEFAULT_TIMEOUTS;
    for (let seed = 0; seed < 300; seed++) {
      expect(scheduleFor('partition_short', seed).duration_ms as number).toBeLessThan(t.heartbeatTimeoutMs);
      expect(scheduleFor('partition_long', seed).duration_ms as number).toBeGreaterThan(
        t.heartbeatTimeoutMs + t.lostGraceMs,
      );
      expect(scheduleFor('runner_paused_then_resumed', seed).pause_ms as number).toBeGreaterThan(
        t.heartbeatTimeoutMs + t.lostGraceMs,
      );
    }
  });

  it('scales with the configured timeouts', () => {
    const slow = { ...DEFAULT_TIMEOUTS, heartbeatTimeoutMs: 10_000, lostGraceMs: 10_000 };
    expect(scheduleFor('partition_long', 1, slow).duration_ms as number).toBeGreaterThan(20_000);
  });

  it('crash loops and mixes have well-formed plans', () => {
    for (let seed = 0; seed < 100; seed++) {
      const loop = scheduleFor('crash_loop', seed);
      expect((loop.intervals_ms as number[]).length).toBe(loop.cycles);
      const mix = scheduleFor('seeded_mix', seed);
      const faults = mix.faults as MixFault[];
      expect(faults.length >= 4 && faults.length <= 6).toBe(true);
      for (const f of faults) expect(f.runner === 0 || f.runner === 1).toBe(true);
      expect(faults.some((f) => f.kind.startsWith('api_'))).toBe(true);
      expect(faults.some((f) => !f.kind.startsWith('api_'))).toBe(true);
    }
  });
});
