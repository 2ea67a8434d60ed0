import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { outcomeOf } from '../../src/runner/decisions.js';
import { oomCounterFiles, parseOomKills, startOomCounter } from '../../src/runner/oomKills.js';

const V1_OOM_CONTROL = 'oom_kill_disable 0\nunder_oom 0\noom_kill 3\n';
const V2_EVENTS = 'low 0\nhigh 0\nmax 12\noom 2\noom_kill 2\noom_group_kill 0\n';

describe('parseOomKills', () => {
  it('reads oom_kill from cgroup v1 memory.oom_control and v2 memory.events', () => {
    expect(parseOomKills(V1_OOM_CONTROL)).toBe(3);
    expect(parseOomKills(V2_EVENTS)).toBe(2);
    // oom_group_kill and oom are other counters, not the one we want.
    expect(parseOomKills('oom 4\noom_group_kill 1\n')).toBeNull();
    expect(parseOomKills('')).toBeNull();
  });
});

describe('oomCounterFiles', () => {
  it('prefers the v1 memory hierarchy, then v2 at the root or under unified', () => {
    const hybrid = '9:name=systemd:/\n4:memory:/a/b\n1:cpu:/\n0::/a\n';
    expect(oomCounterFiles(hybrid, '/cg')).toEqual([
      '/cg/memory/a/b/memory.oom_control',
      '/cg/a/memory.events',
      '/cg/unified/a/memory.events',
    ]);
    expect(oomCounterFiles('0::/user.slice/x.scope\n', '/cg')).toEqual([
      '/cg/user.slice/x.scope/memory.events',
      '/cg/unified/user.slice/x.scope/memory.events',
    ]);
    expect(oomCounterFiles('3:memory,cpu:/m\n', '/cg')).toEqual(['/cg/memory/m/memory.oom_control']);
    expect(oomCounterFiles('', '/cg')).toEqual([]);
  });
});

describe('startOomCounter', () => {
  let root = '';
  afterEach(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it.runIf(fs.existsSync('/proc/self/cgroup'))(
    "counts the OOM kills of the process's cgroup since it started",
    () => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'oom-counter-'));
      // A fake cgroup tree at the paths our own /proc/self/cgroup names.
      const files = oomCounterFiles(fs.readFileSync('/proc/self/cgroup', 'utf8'), root);
      expect(files.length).toBeGreaterThan(0);
      const write = (n: number) => {
        for (const f of files) {
          fs.mkdirSync(path.dirname(f), { recursive: true });
          fs.writeFileSync(f, `oom_kill_disable 0\nunder_oom 0\noom_kill ${n}\n`);
        }
      };
      write(5);
      const counter = startOomCounter(process.pid, root);
      expect(counter.since()).toBe(0);
      write(7);
      expect(counter.since()).toBe(2);
    },
  );

  it('claims nothing without a counter', () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'oom-counter-'));
    expect(startOomCounter(process.pid, root).since()).toBeNull();
  });
});

describe('outcomeOf with the OOM counter', () => {
  it('names the OOM killer in a SIGKILL the runner did not send when the counter rose', () => {
    const o = outcomeOf({ code: null, signal: 'SIGKILL' }, null, 5, 1);
    expect(o).toMatchObject({ status: 'failed', failure_step: 'run', exit_code: null });
    expect(o.message).toBe(
      "agent was killed by signal SIGKILL: the kernel's OOM killer killed 1 process in the agent's " +
        'memory cgroup while it ran, most likely the agent (out of memory)',
    );
  });

  it('says only the signal when no OOM kill was counted, the counter is unknown, or it was not SIGKILL', () => {
    for (const n of [0, null])
      expect(outcomeOf({ code: null, signal: 'SIGKILL' }, null, 5, n).message).toBe(
        'agent was killed by signal SIGKILL',
      );
    expect(outcomeOf({ code: null, signal: 'SIGSEGV' }, null, 5, 2).message).toBe(
      'agent was killed by signal SIGSEGV',
    );
  });

  it('lets our own kill decide even if the counter rose', () => {
    expect(outcomeOf({ code: null, signal: 'SIGKILL' }, 'timeout', 7, 1)).toMatchObject({
      failure_step: 'timeout',
      message: expect.not.stringContaining('OOM'),
    });
  });
});
