/**
 * The root-only disk drills' tools: a small tmpfs mounted over a data dir (registered with the harness
 * first, so a harness killed mid-drill leaves nothing mounted: the next one's sweep unmounts it) and a
 * writer that fills a file system to the last byte.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type { DrillStack } from '../stack.js';

/** Mount a tmpfs of `size` (e.g. `16m`) over `dir`; unmounted (lazily) at the stack's teardown. */
export function mountTmpfs(stack: DrillStack, dir: string, size: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  stack.opts.registry?.addMount(dir);
  stack.onTeardown(() => {
    spawnSync('umount', ['-l', dir]);
    stack.opts.registry?.removeMount(dir);
  });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
}

/** Write until the file system refuses (ENOSPC); returns the bytes written. Bounded by the tmpfs size. */
export function fillDisk(file: string): number {
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  try {
    for (const size of [1 << 20, 64 << 10, 4 << 10, 512, 1]) {
      const buf = Buffer.alloc(size, 0x5a);
      for (let i = 0; i < 200; i++) {
        try {
          bytes += fs.writeSync(fd, buf);
        } catch {
          break;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return bytes;
}
