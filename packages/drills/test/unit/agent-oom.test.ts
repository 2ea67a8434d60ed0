/** Pure and process-local pieces of drill 25 (agent_out_of_memory): schedule, cgroup reading, the preload. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scheduleFor } from '../../src/schedule.js';
import { writeGreedyPreload } from '../../src/scenarios/greedyAgent.js';
import { memoryCgroupOf, oomKillsOf } from '../../src/scenarios/memoryCgroup.js';

describe('agent_out_of_memory schedule', () => {
  it('stays within its bounds for 300 seeds and uses both retry counts', () => {
    const retries = new Set<number>();
    for (let seed = 1; seed <= 300; seed++) {
      const s = scheduleFor('agent_out_of_memory', seed) as {
        limit_mb: number;
        retries: number;
        normal_step_ms: number;
      };
      expect(s.limit_mb).toBeGreaterThanOrEqual(384);
      expect(s.limit_mb).toBeLessThanOrEqual(640);
      expect(s.normal_step_ms).toBeGreaterThanOrEqual(600);
      expect(s.normal_step_ms).toBeLessThanOrEqual(1500);
      retries.add(s.retries);
    }
    expect([...retries].sort()).toEqual([0, 1]);
  });
});

describe('memory cgroup reading', () => {
  it('reads oom_kill from memory.oom_control', () => {
    expect(oomKillsOf('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n')).toBe(2);
    expect(oomKillsOf('oom_kill_disable 0\nunder_oom 1\n')).toBeNull();
  });

  it.runIf(fs.existsSync('/proc/self/cgroup'))('names the v1 memory cgroup of a process, or null', () => {
    const text = fs.readFileSync('/proc/self/cgroup', 'utf8');
    const line = text.split('\n').find((l) => l.split(':')[1]?.split(',').includes('memory'));
    expect(memoryCgroupOf(process.pid)).toBe(line ? line.split(':')[2] : null);
    expect(memoryCgroupOf(2 ** 22 + 1)).toBeNull();
  });
});

describe('greedy agent preload', () => {
  let dir = '';
  afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `name` under the preload; it prints the external memory after five timer ticks. */
  function externalAfterTicks(name: string, greedy: boolean): number {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greedy-'));
    const script = path.join(dir, name);
    // Timers of equal delay fire in order: by the script's fifth tick the preload's first one has run.
    fs.writeFileSync(
      script,
      `let n = 0; const tick = () => (++n < 5 ? setTimeout(tick, 0) :
        (console.log(process.memoryUsage().external), process.exit(0))); setTimeout(tick, 0);`,
    );
    const out = spawnSync(process.execPath, [script], {
      env: {
        ...process.env,
        NODE_OPTIONS: writeGreedyPreload(dir, undefined),
        MULTYAGENTS_MOCK_PARAMS: JSON.stringify({ mock: { hang: true, drill_greedy: greedy } }),
      },
      encoding: 'utf8',
    });
    expect(out.status).toBe(0);
    return Number(out.stdout.trim());
  }

  it('makes the mock agent of a greedy step allocate', () => {
    expect(externalAfterTicks('mockAgent.js', true)).toBeGreaterThanOrEqual(16 << 20);
  });

  it('leaves every other process alone', () => {
    expect(externalAfterTicks('mockAgent.js', false)).toBeLessThan(16 << 20);
    expect(externalAfterTicks('runner.js', true)).toBeLessThan(16 << 20);
  });
});
