import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { processStartTime } from '../../src/executors/procfs.js';
import { gitFixture, ok, yes, type GitFixture } from './git-helpers.js';

/** A process that creates `file` and keeps it open until its stdin closes, then removes it (as git does). */
function holdLock(file: string): Promise<ChildProcess> {
  const script = `
    const fs = require('node:fs');
    const fd = fs.openSync(${JSON.stringify(file)}, 'wx');
    process.stdout.write('ready\\n');
    process.stdin.on('end', () => { fs.closeSync(fd); fs.unlinkSync(${JSON.stringify(file)}); process.exit(0); });
    process.stdin.resume();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
  });
}

const old = (file: string) => {
  const t = new Date(Date.now() - 10 * 60_000);
  fs.utimesSync(file, t, t);
};

describe('git workspaces: lock files and the repository lease', () => {
  let fx: GitFixture;
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
    fx?.cleanup();
  });

  async function preparedWithChange(stepKey: string, taskId: number) {
    const p = ok(
      await fx.ws.prepare({
        repoRoot: fx.repo,
        runId: 1,
        taskId,
        stepKey,
        attempt: 1,
        baseSha: fx.base,
        upstream: [],
        reuse: false,
      }),
    );
    fs.writeFileSync(path.join(p.path, `${stepKey}.txt`), `${stepKey}\n`);
    return p;
  }
  const commit = (p: { path: string; startSha: string }, stepKey: string, taskId: number) =>
    fx.ws.commitResult({
      path: p.path,
      runId: 1,
      taskId,
      attempt: 1,
      stepId: stepKey,
      branch: `multyagents/run-1/${stepKey}`,
      startSha: p.startSha,
      message: `step ${stepKey}`,
      fence: yes,
    });

  it('moves a stale index.lock (old, no holder) aside and the commit lands', async () => {
    fx = gitFixture();
    const p = await preparedWithChange('s', 1);
    const admin = fx.git(p.path, 'rev-parse', '--absolute-git-dir');
    const lock = path.join(admin, 'index.lock');
    fs.writeFileSync(lock, '');
    old(lock);
    const r = ok(await commit(p, 's', 1));
    expect(r.committed).toBe(true);
    expect(r.staleLocksCleared).toEqual([lock]);
    expect(fs.existsSync(lock)).toBe(false);
    expect(fs.readdirSync(admin).filter((n) => n.startsWith('index.lock.stale-'))).toHaveLength(1);
    expect(fx.git(fx.repo, 'show', `${r.head_sha}:s.txt`)).toBe('s');
  });

  it('waits for a lock a live process holds open, however old, and never moves it', async () => {
    fx = gitFixture();
    const p = await preparedWithChange('s', 1);
    const lock = path.join(fx.git(p.path, 'rev-parse', '--absolute-git-dir'), 'index.lock');
    const holder = await holdLock(lock);
    children.push(holder);
    old(lock);
    let waits = 0;
    // The library's backoff sleeps are the signal that it is waiting: release after the second.
    const ws = fx.make({
      sleep: async (ms) => {
        if (++waits === 2) holder.stdin!.end();
        await new Promise((r) => setTimeout(r, Math.min(ms, 50)));
      },
    });
    const r = ok(
      await ws.commitResult({
        path: p.path,
        runId: 1,
        taskId: 1,
        attempt: 1,
        stepId: 's',
        branch: 'multyagents/run-1/s',
        startSha: p.startSha,
        message: 'held',
        fence: yes,
      }),
    );
    expect(waits).toBeGreaterThanOrEqual(2);
    expect(r.committed).toBe(true);
    expect(r.staleLocksCleared).toEqual([]);
    expect(fs.readdirSync(path.dirname(lock)).filter((n) => n.includes('.stale-'))).toEqual([]);
  });

  it('gives up on a fresh lock after the bounded retries, leaving it in place', async () => {
    fx = gitFixture();
    const p = await preparedWithChange('s', 1);
    const lock = path.join(fx.git(p.path, 'rev-parse', '--absolute-git-dir'), 'index.lock');
    fs.writeFileSync(lock, '');
    const ws = fx.make({ lockRetry: { attempts: 3, maxWaitMs: 60_000 }, sleep: () => Promise.resolve() });
    const r = await ws.commitResult({
      path: p.path,
      runId: 1,
      taskId: 1,
      attempt: 1,
      stepId: 's',
      branch: 'multyagents/run-1/s',
      startSha: p.startSha,
      message: 'x',
      fence: yes,
    });
    expect(r.ok === false && r.reason).toBe('lock-timeout');
    expect(fs.existsSync(lock)).toBe(true);
    expect(() => fx.git(fx.repo, 'rev-parse', '-q', '--verify', 'multyagents/run-1/s')).toThrow();
  });

  it('takes over a lease left by a dead process, and waits (bounded) for a live holder', async () => {
    fx = gitFixture();
    const p = await preparedWithChange('s', 1);
    const common = fs.realpathSync(path.join(fx.repo, '.git'));
    const lease = path.join(common, 'multyagents-git.lease');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const content = {
      pid: dead,
      start_time: '1',
      host: os.hostname(),
      acquired_at: new Date().toISOString(),
    };
    fs.writeFileSync(lease, JSON.stringify(content));
    ok(await commit(p, 's', 1));
    expect(fs.existsSync(lease)).toBe(false);

    const live = await holdLock(path.join(fx.dir, 'unrelated'));
    children.push(live);
    fs.writeFileSync(
      lease,
      JSON.stringify({ ...content, pid: live.pid, start_time: processStartTime(live.pid!) }),
    );
    const ws = fx.make({ leaseWaitMs: 200 });
    const r = await ws.pin({ path: p.path, taskId: 1, attempt: 9 });
    expect(r.ok === false && r.reason).toBe('lease-timeout');
    expect(JSON.parse(fs.readFileSync(lease, 'utf8')).pid).toBe(live.pid);
  });

  it('eight concurrent prepare+commit on one repository lose nothing', async () => {
    fx = gitFixture();
    const steps = Array.from({ length: 8 }, (_, i) => `step${i}`);
    const results = await Promise.all(
      steps.map(async (s, i) => {
        const p = await preparedWithChange(s, 100 + i);
        return ok(await commit(p, s, 100 + i));
      }),
    );
    for (const [i, s] of steps.entries()) {
      const head = fx.git(fx.repo, 'rev-parse', `multyagents/run-1/${s}`);
      expect(head).toBe(results[i].head_sha);
      expect(fx.git(fx.repo, 'rev-parse', `refs/multyagents/attempts/${100 + i}-1`)).toBe(head);
      expect(fx.git(fx.repo, 'show', `${head}:${s}.txt`)).toBe(s);
      expect(fx.git(fx.repo, 'rev-parse', `${head}^`)).toBe(fx.base);
      expect(results[i].files).toEqual([`${s}.txt`]);
    }
    expect(new Set(results.map((r) => r.head_sha)).size).toBe(8);
    expect(fx.git(fx.repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(9);
    expect(fs.existsSync(path.join(fx.repo, '.git', 'multyagents-git.lease'))).toBe(false);
  });

  it('a second process writing the same repository at the same time loses nothing (the lease file)', async () => {
    fx = gitFixture();
    const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
    const script = `
      const { createGitWorkspaces } = await import(${JSON.stringify(`${dist}runner/git/index.js`)});
      const { silentLogger } = await import(${JSON.stringify(`${dist}lib/logger.js`)});
      const fs = await import('node:fs');
      const [repo, base, worktreesDir, env] = JSON.parse(process.argv[1]);
      const ws = createGitWorkspaces({ worktreesDir, logger: silentLogger, baseEnv: env });
      await Promise.all([0, 1, 2, 3].map(async (i) => {
        const s = 'child' + i;
        const p = await ws.prepare({ repoRoot: repo, runId: 1, taskId: 200 + i, stepKey: s, attempt: 1, baseSha: base, upstream: [], reuse: false });
        if (!p.ok) throw new Error(p.message);
        fs.writeFileSync(p.path + '/' + s + '.txt', s + '\\n');
        const c = await ws.commitResult({ path: p.path, runId: 1, taskId: 200 + i, attempt: 1, stepId: s,
          branch: 'multyagents/run-1/' + s, startSha: p.startSha, message: s, fence: async () => true });
        if (!c.ok) throw new Error(c.message);
      }));`;
    const args = JSON.stringify([fx.repo, fx.base, fx.worktreesDir, fx.env]);
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, args], {
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    const mine = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const p = await preparedWithChange(`parent${i}`, 300 + i);
        return ok(await commit(p, `parent${i}`, 300 + i));
      }),
    );
    expect({ code: await exited, stderr }).toEqual({ code: 0, stderr: '' });
    for (const s of ['child0', 'child1', 'child2', 'child3', 'parent0', 'parent1', 'parent2', 'parent3']) {
      const head = fx.git(fx.repo, 'rev-parse', `multyagents/run-1/${s}`);
      expect(fx.git(fx.repo, 'show', `${head}:${s}.txt`)).toBe(s);
    }
    expect(mine).toHaveLength(4);
    expect(fx.git(fx.repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(9);
    expect(fx.git(fx.repo, 'fsck', '--no-dangling')).toBe('');
  });
});
