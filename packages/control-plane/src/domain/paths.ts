import path from 'node:path';

/** Whether `child` is `root` or lies under it (both absolute and normalized; pure string logic). */
export function isInside(child: string, root: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
