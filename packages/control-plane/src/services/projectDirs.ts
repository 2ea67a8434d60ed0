import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../lib/errors.js';
import { isInside } from '../domain/paths.js';
import { realpathLenient } from './paths.js';

/**
 * Where a project root may not be, and how its directories are made. A root on a kernel pseudo-filesystem
 * (/proc, /sys, /dev, cgroups, …) is refused: nothing there is a project, and Node's recursive mkdir
 * loops forever on /proc/self/<x> (EEXIST on /proc/self, ENOENT below it), which hung the API's event
 * loop. The directories are made one level at a time, bounded by the path's depth.
 */
const PSEUDO_PREFIXES = ['/proc', '/sys', '/dev'];
const PSEUDO_FS = new Set([
  'proc',
  'sysfs',
  'devtmpfs',
  'devpts',
  'cgroup',
  'cgroup2',
  'securityfs',
  'debugfs',
  'tracefs',
  'configfs',
  'fusectl',
  'mqueue',
  'pstore',
  'bpf',
  'binfmt_misc',
  'autofs',
  'efivarfs',
]);

/** `/proc/self/mountinfo` mount points with their filesystem type (empty off Linux). */
function mounts(): Array<{ point: string; type: string }> {
  let text = '';
  try {
    text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const out: Array<{ point: string; type: string }> = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (f.length < 5 || dash < 0 || !f[dash + 1]) continue;
    out.push({ point: f[4]!.replace(/\\040/g, ' '), type: f[dash + 1]! });
  }
  return out;
}

const under = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/** Refuse a path that resolves (symlinks followed) onto a pseudo-filesystem. */
export function assertRealFilesystem(p: string, field: string): void {
  const real = realpathLenient(p);
  const prefix = PSEUDO_PREFIXES.find((d) => under(real, d) || under(p, d));
  let type: string | null = prefix ? prefix.slice(1) : null;
  if (!type) {
    let best: { point: string; type: string } | null = null;
    for (const m of mounts())
      if (under(real, m.point) && (!best || m.point.length > best.point.length)) best = m;
    if (best && PSEUDO_FS.has(best.type)) type = best.type;
  }
  if (type) {
    throw new AppError(
      'PATH_NOT_ALLOWED',
      `${field}: '${p}' resolves to '${real}', on a ${type} pseudo-filesystem: a project lives in a real directory`,
      { field },
    );
  }
}

/**
 * A project path must resolve (symlinks followed, through its nearest existing parent) inside one of the
 * operator's allowed bases, and never be `/` itself. Judged on create and update only: a project stored
 * before its base was narrowed keeps working.
 */
export function assertInsideBase(p: string, bases: readonly string[], field: string): void {
  const real = realpathLenient(p);
  const inside = real !== path.sep && bases.some((b) => isInside(real, realpathLenient(b)));
  if (inside) return;
  throw new AppError(
    'PROJECT_ROOT_OUTSIDE_BASE',
    `${field}: '${p}'${real === p ? '' : ` resolves to '${real}', which is`} outside the allowed project bases ` +
      `(${bases.join(', ') || 'none'}); allow a base with --project-roots or MULTYAGENTS_PROJECT_ROOTS`,
    { field },
  );
}

/** mkdir -p, one level at a time: at most as many steps as the path has components. */
export function makeDirBounded(dir: string, field: string): void {
  const parts = path.resolve(dir).split(path.sep).filter(Boolean);
  let cur: string = path.sep;
  for (const part of parts) {
    cur = path.join(cur, part);
    try {
      fs.mkdirSync(cur);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        let isDir = false;
        try {
          isDir = fs.statSync(cur).isDirectory();
        } catch {
          isDir = false;
        }
        if (isDir) continue;
        throw new AppError(
          'VALIDATION_FAILED',
          `cannot create '${dir}': '${cur}' exists and is not a directory`,
          {
            field,
          },
        );
      }
      throw new AppError('VALIDATION_FAILED', `cannot create '${dir}': ${(err as Error).message}`, { field });
    }
  }
}
