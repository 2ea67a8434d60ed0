import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../lib/errors.js';
import { isInside } from '../domain/paths.js';

/**
 * Path policy: every path is absolute, normalized, and — once symlinks are resolved — inside the
 * project root. Parts that do not exist yet are resolved through their nearest existing parent, so a
 * symlinked parent cannot smuggle a new folder outside the root.
 */
export function assertAbsolute(p: string, field: string): string {
  if (!path.isAbsolute(p))
    throw new AppError('PATH_NOT_ABSOLUTE', `${field}: '${p}' is not absolute`, { field });
  // Resolved as v1's `Path.resolve()` did (`..`, `.`, a trailing slash); containment is checked on the
  // result by the callers, so a `..` cannot lead outside the root.
  return path.resolve(p);
}

export function realpathLenient(p: string): string {
  const missing: string[] = [];
  let cur = path.normalize(p);
  for (;;) {
    try {
      const real = fs.realpathSync(cur);
      return path.join(real, ...missing.reverse());
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) return path.normalize(p);
      missing.push(path.basename(cur));
      cur = parent;
    }
  }
}

export function assertInsideRoot(p: string, root: string, field: string): string {
  const abs = assertAbsolute(p, field);
  const realRoot = realpathLenient(root);
  const real = realpathLenient(abs);
  if (!isInside(real, realRoot)) {
    throw new AppError(
      'PATH_OUTSIDE_ROOT',
      `${field}: '${p}' resolves to '${real}', outside the project root '${realRoot}'`,
      { field },
    );
  }
  return abs;
}
