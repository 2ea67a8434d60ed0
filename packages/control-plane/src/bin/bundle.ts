/**
 * Loading `multyagents api` / `runner` from the bundle that scripts/bundle.mjs writes to dist/bundle/:
 * one CommonJS file per process instead of ~500 ES modules, loaded with Node's own `require`. Used
 * only while every file it was built from has the size and mtime the manifest recorded; otherwise the
 * caller imports dist/. MULTYAGENTS_BUNDLE=off never uses it; =on refuses to start without a fresh bundle.
 * Only Node built-ins here: this runs before anything else is loaded.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mapStackFrames } from './stackMap.js';

export interface Foreground {
  main(argv: string[]): Promise<void>;
}

interface Manifest {
  version: number;
  entries: Record<string, string>;
  /** [path relative to the bundle dir, size, mtimeMs] of every file the bundle was built from. */
  inputs: Array<[string, number, number]>;
}

export type BundleState = { state: 'fresh'; file: string } | { state: 'missing' | 'stale'; reason: string };

/** dist/bundle (under vitest this module runs from src/bin, the bundle is still in dist). */
export function bundleDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(
    here,
    here.endsWith(`${path.sep}src${path.sep}bin`) ? '../../dist/bundle' : '../bundle',
  );
}

export function bundleState(name: string, dir = bundleDir()): BundleState {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    return { state: 'missing', reason: `no ${path.join(dir, 'manifest.json')}` };
  }
  const file = manifest.entries?.[name];
  if (manifest.version !== 1 || !file)
    return { state: 'missing', reason: `no ${name} entry in the manifest` };
  for (const [rel, size, mtimeMs] of manifest.inputs) {
    const st = fs.statSync(path.join(dir, rel), { throwIfNoEntry: false });
    if (!st) return { state: 'stale', reason: `${rel} is gone` };
    if (st.size !== size || st.mtimeMs !== mtimeMs) return { state: 'stale', reason: `${rel} changed` };
  }
  return { state: 'fresh', file: path.join(dir, file) };
}

export function loadBundled(
  name: 'api' | 'runner',
  mode: string | undefined,
  dir = bundleDir(),
): Foreground | null {
  if (mode === 'off') return null;
  const st = bundleState(name, dir);
  if (st.state !== 'fresh') {
    if (mode === 'on') {
      throw new Error(
        `MULTYAGENTS_BUNDLE=on but the ${name} bundle is ${st.state} (${st.reason}); build it with npm run build`,
      );
    }
    return null;
  }
  // Node maps stack traces itself with --enable-source-maps (from the linked source map).
  if (!process.sourceMapsEnabled) mapStackFrames(st.file);
  try {
    return createRequire(import.meta.url)(st.file) as Foreground;
  } catch (err) {
    // Replaced by a concurrent rebuild between the manifest and here.
    if (mode === 'on' || (err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    return null;
  }
}
