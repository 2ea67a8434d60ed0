import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { PathLocks } from '../../src/runner/pathLocks.js';
import { ROOT } from '../helpers/procs.js';

const DIST = pathToFileURL(path.join(ROOT, 'packages/control-plane/dist/runner/pathLocks.js')).href;

/**
 * A child process with its own PathLocks on the shared registry. Commands on stdin, one JSON line
 * per answer on stdout:
 *   acquire <task> <attempt> <path>  → {ok, holder?}
 *   churn <task> <rounds> <path> <occupied>  → acquires/releases `rounds` times; while it holds the
 *     lock it creates <occupied> with O_EXCL (fails if another holder is inside) → {wins, clashes}
 */
const CHILD = `
import fs from 'node:fs';
import readline from 'node:readline';
import { PathLocks } from ${JSON.stringify(DIST)};
const locks = new PathLocks({ dir: process.argv[2], runner: 'child-' + process.pid });
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
for await (const line of readline.createInterface({ input: process.stdin })) {
  const [cmd, ...a] = line.split(' ');
  if (cmd === 'acquire') {
    const r = await locks.acquire({ task_id: Number(a[0]), attempt: Number(a[1]), paths: [a[2]] });
    say(r.ok ? { ok: true } : { ok: false, holder: r.holder });
  } else if (cmd === 'churn') {
    let wins = 0, clashes = 0;
    for (let i = 1; i <= Number(a[1]); i++) {
      const r = await locks.acquire({ task_id: Number(a[0]), attempt: i, paths: [a[2]] });
      if (!r.ok) continue;
      wins++;
      try { fs.writeFileSync(a[3], String(process.pid), { flag: 'wx' }); } catch { clashes++; continue; }
      await new Promise((res) => setImmediate(res));
      fs.rmSync(a[3]);
      await r.release();
    }
    say({ wins, clashes });
  }
}
`;

interface Child {
  proc: ChildProcess;
  send(line: string): Promise<Record<string, unknown>>;
}

describe('path locks across processes', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
  });

  function setup() {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'plocks-proc-')));
    cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }));
    const reg = path.join(root, 'reg');
    const script = path.join(root, 'child.mjs');
    fs.writeFileSync(script, CHILD);
    const start = (): Child => {
      const proc = spawn(process.execPath, [script, reg], { stdio: ['pipe', 'pipe', 'inherit'] });
      cleanups.push(() => proc.kill('SIGKILL'));
      const waiting: Array<(v: Record<string, unknown>) => void> = [];
      let buf = '';
      proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          waiting.shift()?.(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
          buf = buf.slice(i + 1);
        }
      });
      return {
        proc,
        send: (line) =>
          new Promise((resolve, reject) => {
            proc.once('exit', (code) => reject(new Error(`child exited (${code}) before answering ${line}`)));
            waiting.push(resolve);
            proc.stdin!.write(line + '\n');
          }),
      };
    };
    return { root, reg, start };
  }

  it('processes racing for the same path: exactly one wins', async () => {
    const { root, start } = setup();
    const kids = [start(), start(), start(), start()];
    const results = await Promise.all(kids.map((k, i) => k.send(`acquire ${i + 1} 1 ${root}/shared/src`)));
    expect(results.filter((r) => r.ok === true)).toHaveLength(1);
    const winner = kids[results.findIndex((r) => r.ok === true)];
    for (const r of results.filter((x) => x.ok === false))
      expect(r.holder).toMatchObject({ pid: winner.proc.pid, paths: [`${root}/shared/src`] });
  });

  it('no two processes ever hold the same path at once (O_EXCL occupancy check under churn)', async () => {
    const { root, start } = setup();
    const kids = [start(), start(), start()];
    const occupied = path.join(root, 'occupied');
    const results = await Promise.all(kids.map((k, i) => k.send(`churn ${i + 1} 40 ${root}/p ${occupied}`)));
    for (const r of results) expect(r.clashes).toBe(0);
    expect(results.reduce((n, r) => n + (r.wins as number), 0)).toBeGreaterThan(0);
  });

  it('a holder killed with SIGKILL is stale: the next acquire takes its paths over', async () => {
    const { root, reg, start } = setup();
    const a = start();
    expect(await a.send(`acquire 1 1 ${root}/p`)).toEqual({ ok: true });
    expect(await start().send(`acquire 2 1 ${root}/p/sub`)).toMatchObject({ ok: false });
    const gone = new Promise((r) => a.proc.once('exit', r));
    a.proc.kill('SIGKILL');
    await gone;
    const c = start();
    expect(await c.send(`acquire 2 1 ${root}/p/sub`)).toEqual({ ok: true });
    const locks = new PathLocks({ dir: reg, runner: 'test' });
    cleanups.push(() => locks.close());
    expect(await locks.sweep()).toBe(0);
    expect((await locks.list()).map((h) => h.pid)).toEqual([c.proc.pid]);
  });
});
