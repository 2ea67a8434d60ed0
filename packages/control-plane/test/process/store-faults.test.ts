/**
 * The API on a store it cannot write (a full disk) or that is damaged (overwritten pages): it keeps
 * answering, says what is wrong (/health, codes), never hangs and never dies of it; `doctor` finds
 * the damage. Disk full uses a small tmpfs mounted by the test (root only: the CI machine is root).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, freePort, http, startApiProc, waitFor, type Proc } from '../helpers/procs.js';

const procs: Proc[] = [];
const cleanups: Array<() => void> = [];

afterEach(async () => {
  for (const p of procs.splice(0)) await p.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) c();
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-storefault-'));
  cleanups.push(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

async function seed(base: string, runs: number): Promise<number> {
  const role = await http('POST', `${base}/roles`, { name: 'coder', system_prompt: 'x'.repeat(2000) });
  expect(role.status, JSON.stringify(role.body)).toBe(200);
  const tpl = await http('POST', `${base}/workflow-templates`, {
    name: 'one',
    steps: [{ step_id: 'a', role_id: role.body.id, title: 'Build '.repeat(30) }],
  });
  expect(tpl.status, JSON.stringify(tpl.body)).toBe(200);
  for (let i = 0; i < runs; i++) {
    const r = await http('POST', `${base}/workflow-runs`, { workflow_template_id: tpl.body.id });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }
  return tpl.body.id as number;
}

const cli = (args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('a damaged store', () => {
  it('is found by the quick check after start (/health 503 STORE_CORRUPT) and by `doctor` (exit 1)', async () => {
    const dir = tempDir();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const api = await startApiProc(dir, port, {}, ['--dispatch', 'manual']);
    procs.push(api);
    await seed(base, 150);
    // A healthy store: the check passes and the doctor agrees.
    await waitFor(
      'integrity ok',
      async () => (await http('GET', `${base}/health`)).body.store_integrity === 'ok',
    );
    const healthy = cli(['doctor', '--data-dir', dir, '--json']);
    expect(healthy.status, healthy.stderr).toBe(0);
    expect(JSON.parse(healthy.stdout).store.integrity.ok).toBe(true);
    await api.kill('SIGTERM'); // a clean stop checkpoints the WAL into the file
    procs.pop();

    // Overwrite ten pages in the middle of the file (not the header page).
    const db = path.join(dir, 'multyagents.db');
    const pages = Math.floor(fs.statSync(db).size / 4096);
    expect(pages).toBeGreaterThan(30);
    const fd = fs.openSync(db, 'r+');
    for (let i = 0; i < 10; i++)
      fs.writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, (Math.floor(pages / 2) + i) * 4096);
    fs.closeSync(fd);

    const damaged = cli(['doctor', '--data-dir', dir, '--json']);
    expect(damaged.status).toBe(1);
    const report = JSON.parse(damaged.stdout);
    expect(report.ok).toBe(false);
    expect(report.store.integrity.ok).toBe(false);
    expect(report.problems.join(' ')).toMatch(/store integrity/);

    // The API either refuses to start with the code, or starts and says so on /health.
    const port2 = await freePort();
    const p = spawn(
      process.execPath,
      [BIN, 'api', '--port', String(port2), '--data-dir', dir, '--dispatch', 'manual'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    cleanups.push(() => p.kill('SIGKILL'));
    const verdict = await waitFor(
      'a verdict on the damaged store',
      async () => {
        if (p.exitCode !== null) return `exited: ${out}`;
        const h = await http('GET', `http://127.0.0.1:${port2}/health`).catch(() => null);
        return h && h.status === 503 ? `health: ${JSON.stringify(h.body)}` : null;
      },
      30_000,
      100,
    );
    expect(verdict).toMatch(/STORE_CORRUPT/);
  });
});

function canMountTmpfs(): boolean {
  if (process.getuid?.() !== 0) return false;
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', d], { stdio: 'ignore' });
    execFileSync('umount', [d], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
}

describe.skipIf(!canMountTmpfs())('a full disk under the data dir and the log (tmpfs, root only)', () => {
  it('answers 503 STORE_UNAVAILABLE, /health degraded and prompt, logging never blocks; recovers when space is freed', async () => {
    const mnt = tempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mnt]);
    cleanups.push(() => spawnSync('umount', ['-l', mnt]));
    const dir = path.join(mnt, 'data');
    fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
    const log = path.join(dir, 'logs', 'api.log');
    // The `up` layout: the API's stdout and stderr are a file inside the data dir.
    const fd = fs.openSync(log, 'a');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = spawn(
      process.execPath,
      [BIN, 'api', '--port', String(port), '--data-dir', dir, '--dispatch', 'manual', '--log-level', 'info'],
      { stdio: ['ignore', fd, fd] },
    );
    fs.closeSync(fd);
    cleanups.push(() => child.kill('SIGKILL'));
    await waitFor('api up', async () => (await http('GET', `${base}/health`)).status === 200);
    const tplId = await seed(base, 5);

    // Fill the disk.
    const filler = path.join(mnt, 'filler');
    const ffd = fs.openSync(filler, 'w');
    const block = Buffer.alloc(256 * 1024, 1);
    for (let i = 0; i < 1000; i++) {
      try {
        fs.writeSync(ffd, block);
      } catch {
        break;
      }
    }
    for (let i = 0; i < 64; i++) {
      try {
        fs.writeSync(ffd, Buffer.alloc(4096, 1));
      } catch {
        break;
      }
    }
    fs.closeSync(ffd);

    // Writes are refused with a code, promptly, and the API keeps answering.
    let refused = 0;
    for (let i = 0; i < 40; i++) {
      const r = await http('POST', `${base}/workflow-runs`, { workflow_template_id: tplId });
      expect([200, 503]).toContain(r.status);
      if (r.status === 503) {
        expect(r.body.code).toBe('STORE_UNAVAILABLE');
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
    const h = await http('GET', `${base}/health`);
    expect(h.status).toBe(200);
    expect(h.body.status).toBe('degraded');
    expect(h.body.problems.map((p: { component: string }) => p.component)).toContain('store');
    // Reads still work.
    expect((await http('GET', `${base}/workflow-runs`)).status).toBe(200);

    // Space is freed: the next create commits, /health is ok again, the process is alive.
    fs.rmSync(filler);
    await waitFor(
      'a create commits again',
      async () =>
        (await http('POST', `${base}/workflow-runs`, { workflow_template_id: tplId })).status === 200,
    );
    await waitFor(
      'health ok again',
      async () => (await http('GET', `${base}/health`)).body.status === 'ok',
      10_000,
    );
    expect(child.exitCode).toBeNull();
    // The 503s were logged while the disk was full: those lines were dropped, and the log says so.
    await waitFor(
      'the log announces the lines it dropped',
      async () =>
        /\d+ log line\(s\) dropped while the log could not be written \(ENOSPC\)/.test(
          fs.readFileSync(log, 'utf8'),
        ),
      10_000,
    );
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  });
});
