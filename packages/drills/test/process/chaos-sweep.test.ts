import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, startTimeOf, waitUntil } from '../../src/procinfo.js';
import { HarnessRegistry, isMountPoint, sweepLeftovers } from '../../src/registry.js';
import { memoryCgroupOf, MEMORY_V1 } from '../../src/scenarios/memoryCgroup.js';

function sleeper(): ChildProcess {
  // The name "multyagents" in argv is what the sweep accepts when no start time was recorded.
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)', 'multyagents'], {
    detached: true,
    stdio: 'ignore',
  });
}

async function deadPid(): Promise<number> {
  const c = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => c.on('exit', r));
  return c.pid!;
}

describe('leftover sweep of crashed harnesses', () => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('kills the processes a dead harness recorded and removes its file; a live harness is left alone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-sweep-'));
    dirs.push(dir);
    const victim = sleeper();
    const bystander = sleeper();
    const liveOwner = sleeper();
    children.push(victim, bystander, liveOwner);
    await waitUntil(
      () => startTimeOf(victim.pid!) && startTimeOf(liveOwner.pid!) && startTimeOf(bystander.pid!),
      5000,
    );

    const dead = await deadPid();
    fs.writeFileSync(
      path.join(dir, `harness-${dead}.json`),
      JSON.stringify({
        pid: dead,
        start_time: '1',
        started_at: 'x',
        evidence: dir,
        procs: [
          { pid: victim.pid, start_time: startTimeOf(victim.pid!), role: 'api', name: 'api' },
          // Same pid but another start time: a reused pid, must not be touched.
          { pid: bystander.pid, start_time: 'not-its-start-time', role: 'runner', name: 'r' },
        ],
        ledgers: [],
      }),
    );
    fs.writeFileSync(
      path.join(dir, `harness-${liveOwner.pid}.json`),
      JSON.stringify({
        pid: liveOwner.pid,
        start_time: startTimeOf(liveOwner.pid!),
        started_at: 'x',
        evidence: dir,
        procs: [{ pid: bystander.pid, start_time: startTimeOf(bystander.pid!), role: 'api', name: 'api' }],
        ledgers: [],
      }),
    );

    const out = await sweepLeftovers(dir);
    expect(out.registries).toBe(1);
    expect(out.killed.map((k) => k.pid)).toEqual([victim.pid]);
    expect(await waitUntil(() => !isAlive(victim.pid!), 5000)).toBe(true);
    expect(isAlive(bystander.pid!)).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual([`harness-${liveOwner.pid}.json`]);
  });

  it('a registry records what the harness starts and disappears on a clean close', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-sweep-'));
    dirs.push(dir);
    const reg = new HarnessRegistry(dir, dir);
    reg.add({ pid: 12345, start_time: null, role: 'api', name: 'api' });
    const file = path.join(dir, `harness-${process.pid}.json`);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).procs).toHaveLength(1);
    reg.remove(12345);
    expect(reg.procs).toEqual([]);
    reg.close();
    expect(fs.existsSync(file)).toBe(false);
  });

  const root = process.getuid?.() === 0;
  const ownCgroup = memoryCgroupOf(process.pid);
  if (!root) process.stderr.write('[chaos-sweep] mount/cgroup sweep SKIPPED: needs root\n');

  it.runIf(root)(
    "unmounts a dead harness's tmpfs and removes its memory cgroup (moving what is left in it to the parent)",
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-sweep-'));
      dirs.push(dir);
      const mnt = path.join(dir, 'runner-1');
      fs.mkdirSync(mnt);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', mnt]);
      let cgroup: string | null = null;
      const inside = sleeper();
      children.push(inside);
      await waitUntil(() => startTimeOf(inside.pid!), 5000);
      if (ownCgroup !== null && fs.existsSync(path.join(MEMORY_V1, 'cgroup.procs'))) {
        cgroup = path.join(MEMORY_V1, ownCgroup, `multyagents-drill-sweeptest-${process.pid}`);
        fs.mkdirSync(cgroup);
        // A process still in it (not one the registry names): the sweep moves it out, never kills it.
        fs.writeFileSync(path.join(cgroup, 'cgroup.procs'), String(inside.pid));
      } else process.stderr.write('[chaos-sweep] cgroup part SKIPPED: no cgroup-v1 memory hierarchy\n');
      const dead = await deadPid();
      fs.writeFileSync(
        path.join(dir, `harness-${dead}.json`),
        JSON.stringify({
          pid: dead,
          start_time: '1',
          started_at: 'x',
          evidence: dir,
          procs: [],
          ledgers: [],
          mounts: [mnt],
          cgroups: cgroup ? [cgroup, '/tmp/not-a-cgroup'] : [],
        }),
      );
      try {
        expect(isMountPoint(mnt)).toBe(true);
        const out = await sweepLeftovers(dir);
        expect(out.unmounted).toEqual([mnt]);
        expect(isMountPoint(mnt)).toBe(false);
        if (cgroup) {
          expect(out.cgroups_removed).toEqual([cgroup]);
          expect(fs.existsSync(cgroup)).toBe(false);
          expect(memoryCgroupOf(inside.pid!)).toBe(ownCgroup);
          expect(isAlive(inside.pid!)).toBe(true);
        }
        expect(fs.readdirSync(dir).filter((f) => f.endsWith('.json'))).toEqual([]);
      } finally {
        if (isMountPoint(mnt)) execFileSync('umount', ['-l', mnt]);
        if (cgroup && fs.existsSync(cgroup)) {
          fs.writeFileSync(path.join(MEMORY_V1, ownCgroup!, 'cgroup.procs'), String(inside.pid));
          fs.rmdirSync(cgroup);
        }
      }
    },
  );
});
