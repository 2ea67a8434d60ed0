/**
 * Whether `child` is `root` or lies under it. Both are absolute and normalized (services/paths.ts
 * normalizes every stored path), so this is string logic, with no file system involved.
 */
export function isInside(child: string, root: string): boolean {
  const trim = (p: string) => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p);
  const c = trim(child);
  const r = trim(root);
  return c === r || c.startsWith(r === '/' ? '/' : `${r}/`);
}
