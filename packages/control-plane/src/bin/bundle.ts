/**
 * Loading `multyagents api` / `runner` from the bundle that scripts/bundle.mjs writes to dist/bundle/:
 * one CommonJS file per process instead of ~500 ES modules, compiled through `vm.Script` with a V8
 * code cache kept next to it (Node 20 has no module compile cache: `module.enableCompileCache` is
 * 22.1+). The cache is worth ~70 ms of CPU per API start (docs/benchmarks.md, "Start-up: what was
 * tried"). Used only while every file it was built from has the size and mtime the manifest recorded;
 * otherwise the caller imports dist/.
 * MULTYAGENTS_BUNDLE=off never uses it; =on refuses to start without a fresh bundle.
 * Only Node built-ins here: this runs before anything else is loaded.
 */
import { isAscii } from 'node:buffer';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { mapStackFrames } from './stackMap.js';

export interface Foreground {
  main(argv: string[]): Promise<void>;
}

export interface Bundled {
  entry: Foreground;
  /** Call once the process is up: writes the code cache if there was none (or V8 refused it). */
  afterStart(): void;
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
): Bundled | null {
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
  let source: string;
  try {
    source = readSource(st.file);
  } catch (err) {
    // Replaced by a concurrent rebuild between the manifest and here.
    if (mode === 'on') throw err;
    return null;
  }
  // Node maps stack traces itself with --enable-source-maps, but only for files its loader loaded.
  if (process.sourceMapsEnabled) {
    return { entry: createRequire(import.meta.url)(st.file) as Foreground, afterStart: () => undefined };
  }
  return compileWithCache(st.file, source);
}

function compileWithCache(file: string, source: string): Bundled {
  const cacheFile = `${file}.${cacheKey()}.v8cache`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // The same wrapper as Node's CommonJS loader; lineOffset keeps line numbers those of the file.
  const wrapped = `(function (exports, require, module, __filename, __dirname) {\n${source}\n})`;
  const script = new vm.Script(wrapped, { filename: file, lineOffset: -1, cachedData });
  const fn = script.runInThisContext() as (...args: unknown[]) => void;
  const mod = { exports: {} as Foreground };
  mapStackFrames(file);
  fn.call(mod.exports, mod.exports, createRequire(file), mod, file, path.dirname(file));
  return {
    entry: mod.exports,
    afterStart() {
      if (cachedData && !script.cachedDataRejected) return;
      // After start-up the cache also holds every function compiled so far, not only the top level.
      writeAtomically(cacheFile, script.createCachedData());
    },
  };
}

/** V8 refuses a cache made under other flags; one cache per Node version and flag set avoids ping-pong. */
function cacheKey(): string {
  const text = [process.version, process.arch, ...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(
    '\0',
  );
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

function writeAtomically(file: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch {
    // A read-only install starts without the cache, a little slower; nothing else depends on it.
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * The bundle's text. esbuild writes ASCII-only code (it escapes every other character, and the
 * minified output keeps no comments), and an ASCII file decoded as latin1 is the same string, made by
 * a plain copy into a one-byte string: reading and decoding a 2.5 MB file took 5-15 ms this way
 * against 25-35 ms with `readFileSync(file, 'utf8')` (measured on a 2-vCPU VM), and a one-byte
 * source also makes the code-cache check cheaper. A file with other bytes is decoded as UTF-8.
 */
export function readSource(file: string): string {
  const bytes = fs.readFileSync(file);
  return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
}
