import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalPath, PathLocks, pathsOverlap } from '../../src/runner/pathLocks.js';

describe('pathsOverlap', () => {
  it('equal, containing and contained paths overlap; siblings and prefixes do not', () => {
    expect(pathsOverlap('/p/src', '/p/src')).toBe(true);
    expect(pathsOverlap('/p', '/p/src/a.ts')).toBe(true);
    expect(pathsOverlap('/p/src/a.ts', '/p')).toBe(true);
    expect(pathsOverlap('/', '/anything')).toBe(true);
    expect(pathsOverlap('/p/src', '/p/srcx')).toBe(false);
    expect(pathsOverlap('/p/a', '/p/b')).toBe(false);
  });
});

describe('PathLocks (one process)', () => {
  const dirs: string[] = [];
  const open: PathLocks[] = [];
  afterEach(() => {
    for (const l of open.splice(0)) l.close();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const setup = (alive: (pid: number) => boolean = () => true) => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'plocks-')));
    dirs.push(root);
    const make = (runner: string, pid: number) => {
      const l = new PathLocks({ dir: path.join(root, 'reg'), runner, pid, alive, now: () => 0 });
      open.push(l);
      return l;
    };
    return { root, make };
  };

  it('refuses overlapping and nested paths of another attempt, allows disjoint ones', async () => {
    const { root, make } = setup();
    const a = make('r1', 1001);
    const b = make('r2', 1002);
    const held = await a.acquire({ task_id: 1, attempt: 1, paths: [`${root}/proj/src`] });
    expect(held.ok).toBe(true);
    for (const p of [`${root}/proj/src`, `${root}/proj`, `${root}/proj/src/deep/file.ts`]) {
      const r = await b.acquire({ task_id: 2, attempt: 1, paths: [`${root}/other`, p] });
      expect(r).toMatchObject({ ok: false, path: p, held_path: `${root}/proj/src` });
      if (!r.ok) expect(r.holder).toMatchObject({ task_id: 1, attempt: 1, runner: 'r1', pid: 1001 });
    }
    expect((await b.acquire({ task_id: 2, attempt: 1, paths: [`${root}/proj/docs`] })).ok).toBe(true);
    expect((await b.list()).map((h) => h.task_id).sort()).toEqual([1, 2]);
  });

  it('compares real paths: a symlink to a locked dir conflicts, also below a path that does not exist yet', async () => {
    const { root, make } = setup();
    fs.mkdirSync(`${root}/real`);
    fs.symlinkSync(`${root}/real`, `${root}/link`);
    expect(canonicalPath(`${root}/link/not/yet`)).toBe(`${root}/real/not/yet`);
    const a = make('r1', 1);
    await a.acquire({ task_id: 1, attempt: 1, paths: [`${root}/real/not`] });
    expect((await a.acquire({ task_id: 2, attempt: 1, paths: [`${root}/link`] })).ok).toBe(false);
    expect(() => canonicalPath('relative/p')).toThrow(/not an absolute path/);
  });

  it('release frees the paths and is idempotent; it never removes a later lock of the same attempt', async () => {
    const { root, make } = setup();
    const a = make('r1', 1);
    const b = make('r2', 2);
    const first = await a.acquire({ task_id: 1, attempt: 1, paths: [`${root}/p`] });
    if (!first.ok) throw new Error('expected the lock');
    const again = await a.acquire({ task_id: 1, attempt: 1, paths: [`${root}/p`] });
    expect(again.ok).toBe(true);
    await first.release();
    expect((await b.acquire({ task_id: 2, attempt: 1, paths: [`${root}/p`] })).ok).toBe(false);
    if (again.ok) {
      await again.release();
      await again.release();
    }
    expect(await b.list()).toEqual([]);
    expect((await b.acquire({ task_id: 2, attempt: 1, paths: [`${root}/p`] })).ok).toBe(true);
  });

  it("a newer attempt supersedes the task's older one; the older one cannot come back", async () => {
    const { root, make } = setup();
    const a = make('r1', 1);
    const b = make('r2', 2);
    expect((await a.acquire({ task_id: 7, attempt: 1, paths: [`${root}/p`] })).ok).toBe(true);
    expect((await b.acquire({ task_id: 7, attempt: 2, paths: [`${root}/p`] })).ok).toBe(true);
    expect((await b.list()).map((h) => h.attempt)).toEqual([2]);
    const old = await a.acquire({ task_id: 7, attempt: 1, paths: [`${root}/elsewhere`] });
    expect(old).toMatchObject({ ok: false, holder: { task_id: 7, attempt: 2 } });
  });

  it('stale holders (dead process) are removed by sweep and by acquire; corrupt files too', async () => {
    const dead = new Set<number>();
    const { root, make } = setup((pid) => !dead.has(pid));
    const a = make('r1', 11);
    const b = make('r2', 12);
    await a.acquire({ task_id: 1, attempt: 1, paths: [`${root}/p`] });
    await a.acquire({ task_id: 2, attempt: 1, paths: [`${root}/q`] });
    fs.writeFileSync(path.join(root, 'reg', 'torn.json'), '{"task_id": 3, "pi');
    dead.add(11);
    expect(await b.sweep()).toBe(3);
    expect(await b.sweep()).toBe(0);
    await a.acquire({ task_id: 4, attempt: 1, paths: [`${root}/r`] });
    expect((await b.acquire({ task_id: 5, attempt: 1, paths: [`${root}/r`] })).ok).toBe(true);
  });

  it('an empty path list locks nothing', async () => {
    const { make } = setup();
    const r = await make('r1', 1).acquire({ task_id: 1, attempt: 1, paths: [] });
    expect(r).toMatchObject({ ok: true, paths: [] });
  });
});
