/** Pure pieces of the drills added for issue 18: the load judgement, the torn-tail bytes, schedules. */
import { describe, expect, it } from 'vitest';
import { fiveXxOutside, summarize, type Sample } from '../../src/load.js';
import { mulberry32 } from '../../src/rng.js';
import { DEFAULT_TIMEOUTS, scheduleFor } from '../../src/schedule.js';
import { agentDurationMs } from '../../src/scenarios/cancelPartitioned.js';
import { tornTail, walFrameSize } from '../../src/walFault.js';

const s = (answered: number, status: number | null): Sample => ({
  path: '/health',
  method: 'GET',
  sent: answered - 5,
  answered,
  status,
});

describe('5xx outside a declared window', () => {
  it('keeps only 5xx answered outside every window (with the slack)', () => {
    const samples = [s(100, 200), s(1000, 503), s(1500, 500), s(3000, 503), s(3040, 502), s(4000, null)];
    const bad = fiveXxOutside(samples, [{ from: 990, to: 2000 }], 50);
    expect(bad.map((x) => x.answered)).toEqual([3000, 3040]);
    expect(fiveXxOutside(samples, [{ from: 990, to: 3000 }], 50)).toEqual([]);
    expect(fiveXxOutside(samples, [], 0)).toHaveLength(4);
  });

  it('summarizes statuses and errors', () => {
    const out = summarize([s(1, 200), s(2, 200), { ...s(3, null), error: 'ECONNREFUSED' }]);
    expect(out).toEqual({ '200': 2, 'error:ECONNREFUSED': 1 });
  });
});

/** A minimal WAL: header (page size 4096) and two frames. */
function fakeWal(): Buffer {
  const header = Buffer.alloc(32);
  header.writeUInt32BE(0x377f0682, 0);
  header.writeUInt32BE(4096, 8);
  const frame = (fill: number) => Buffer.alloc(24 + 4096, fill);
  return Buffer.concat([header, frame(1), frame(2)]);
}

describe('torn WAL tail bytes', () => {
  it('partial: fewer bytes than a frame, seeded, never touching what is there', () => {
    const wal = fakeWal();
    expect(walFrameSize(wal)).toBe(4120);
    const a = tornTail(wal, 'partial', 777, mulberry32(5));
    expect(a.length).toBe(777);
    expect(tornTail(wal, 'partial', 777, mulberry32(5))).toEqual(a);
    expect(tornTail(wal, 'partial', 4120 * 2 + 3, mulberry32(5)).length).toBe(3);
    expect(tornTail(wal, 'partial', 0, mulberry32(5)).length).toBe(1);
  });

  it('bad_frame: one whole frame (the last, scribbled) plus a partial one', () => {
    const wal = fakeWal();
    const t = tornTail(wal, 'bad_frame', 100, mulberry32(9));
    expect(t.length).toBe(4120 + 100);
    // The frame header (salts, checksums) is the last frame's; the page differs.
    expect(t.subarray(0, 24)).toEqual(wal.subarray(wal.length - 4120, wal.length - 4096));
    expect(t.subarray(24, 4120).equals(wal.subarray(wal.length - 4096))).toBe(false);
  });

  it('refuses a file that is not a WAL', () => {
    expect(() => tornTail(Buffer.alloc(10), 'partial', 5, mulberry32(1))).toThrow(/not a WAL/);
  });
});

describe('schedules of the new drills', () => {
  const t = DEFAULT_TIMEOUTS;
  it('stay within their bounds for 300 seeds', () => {
    for (let seed = 0; seed < 300; seed++) {
      const claim = scheduleFor('crash_after_claim_before_submit', seed);
      expect(claim.fanout as number).toBeGreaterThanOrEqual(1);
      expect(claim.fanout as number).toBeLessThanOrEqual(3);
      const join = scheduleFor('api_sigterm_at_join', seed);
      expect(join.branches as number).toBeGreaterThanOrEqual(2);
      const paused = scheduleFor('api_paused_reports_due', seed);
      expect(paused.pause_ms).toBe(10_000);
      // Every step's report falls due inside the pause (steps start before it, run < 7 s).
      for (const d of paused.step_ms as number[]) expect(d).toBeLessThan(10_000 - 500);
      const hole = scheduleFor('runner_black_holed', seed);
      expect(hole.hold_ms as number).toBeGreaterThan(2 * t.runnerCallTimeoutMs);
      const cancel = scheduleFor('cancel_during_partition', seed) as {
        agent: string;
        cancel_after_cut_ms: number;
        partition_ms: number;
      };
      // Past the heartbeat timeout: the runner is declared unreachable while cut off.
      expect(cancel.partition_ms).toBeGreaterThan(t.heartbeatTimeoutMs);
      const d = agentDurationMs(cancel);
      if (cancel.agent === 'finishes') {
        // The agent ends after the abort and before the heal (cut 200 ms after it started).
        expect(d).toBeGreaterThan(200 + cancel.cancel_after_cut_ms);
        expect(d).toBeLessThan(200 + cancel.partition_ms);
      } else expect(d).toBeGreaterThan(200 + cancel.partition_ms + 10_000);
      const clock = scheduleFor('clock_jumps', seed);
      expect(Math.abs(clock.runner_skew_s as number)).toBe(300);
      expect(clock.api_jump_s).toBe(3600);
      const fds = scheduleFor('runner_out_of_fds', seed);
      expect(fds.headroom as number).toBeLessThanOrEqual(2);
      const torn = scheduleFor('torn_wal_tail', seed);
      expect(['partial', 'bad_frame']).toContain(torn.tail);
      const full = scheduleFor('disk_full_runner_journal', seed) as { step_ms: number; hold_ms: number };
      // The attempts running at the fill end while the disk is still full: they owe their report then.
      expect(full.step_ms).toBeLessThan(full.hold_ms);
      expect(full.hold_ms).toBeGreaterThanOrEqual(1500);
      expect(full.hold_ms).toBeLessThanOrEqual(3500);
    }
  });
});
