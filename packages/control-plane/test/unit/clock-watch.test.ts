import { describe, expect, it } from 'vitest';
import { ClockWatch, JUMP_TOLERANCE_MS } from '../../src/scheduler/clockWatch.js';

describe('ClockWatch (pure)', () => {
  it('sees wall-clock jumps beyond the tolerance and stalls beyond the threshold', () => {
    const w = new ClockWatch();
    expect(w.observe(1_000_000, 0, 5000)).toEqual({ jumpMs: 0, stallMs: 0 });
    expect(w.observe(1_000_200, 200, 5000)).toEqual({ jumpMs: 0, stallMs: 0 });
    // NTP slew within tolerance is not a jump.
    expect(w.observe(1_000_400 + JUMP_TOLERANCE_MS, 400, 5000)).toEqual({ jumpMs: 0, stallMs: 0 });
    expect(w.observe(1_000_600 + JUMP_TOLERANCE_MS + 3_600_000, 600, 5000).jumpMs).toBe(3_600_000);
    expect(w.observe(1_000_800 + JUMP_TOLERANCE_MS, 800, 5000).jumpMs).toBe(-3_600_000);
    // Frozen 10 s: both clocks moved together — a stall, not a jump.
    expect(w.observe(1_010_800 + JUMP_TOLERANCE_MS, 10_800, 5000)).toEqual({ jumpMs: 0, stallMs: 10_000 });
  });
});
