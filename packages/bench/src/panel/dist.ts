/** The built web panel the benchmark serves, and its size (B14). */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { packageRoot } from '../paths.js';

const repoRoot = () => path.resolve(packageRoot(), '../..');
const uiRoot = () => path.join(repoRoot(), 'packages/ui');

export interface PanelDist {
  dir: string;
  /** `checkout`: packages/ui/dist, up to date with the sources; `built`: built here into a temp dir. */
  origin: 'checkout' | 'built';
  /** A temp dir to remove afterwards (when built here). */
  tmp: string | null;
}

function newestMtime(p: string): number {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, e)));
  return newest;
}

/**
 * packages/ui/dist when its build stamp is newer than every input the launcher watches; otherwise the
 * current sources built with vite into a temp dir (the checkout's dist is left alone, as the panel's
 * e2e test does). Throws when neither is possible.
 */
export function panelDist(): PanelDist {
  const ui = uiRoot();
  const stamp = fs.statSync(path.join(ui, 'dist/.build-stamp'), { throwIfNoEntry: false });
  const inputs = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((f) => path.join(ui, f));
  if (stamp && fs.existsSync(path.join(ui, 'dist/index.html'))) {
    if (Math.max(...inputs.map(newestMtime)) <= stamp.mtimeMs) {
      return { dir: path.join(ui, 'dist'), origin: 'checkout', tmp: null };
    }
  }
  const vite = path.join(repoRoot(), 'node_modules/.bin/vite');
  if (!fs.existsSync(vite)) throw new Error(`the panel is not built and vite is not installed (${vite})`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'multyagents-bench-ui-'));
  const out = path.join(tmp, 'dist');
  const r = spawnSync(vite, ['build', 'packages/ui', '--logLevel', 'warn', '--outDir', out], {
    cwd: repoRoot(),
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 300_000,
  });
  if (r.status !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`vite build of the panel failed (${r.status ?? r.signal ?? r.error?.message})`);
  }
  return { dir: out, origin: 'built', tmp };
}

export interface AssetSize {
  file: string;
  bytes: number;
  gzip_bytes: number;
}

export interface BundleSize {
  js: { bytes: number; gzip_bytes: number };
  /** The JS that index.html loads (script and modulepreload): what the first paint waits for. */
  first_paint_js: { bytes: number; gzip_bytes: number };
  /** The rest: chunks loaded on demand (e.g. the builder's YAML support). */
  lazy_js: { bytes: number; gzip_bytes: number };
  css: { bytes: number; gzip_bytes: number };
  files: AssetSize[];
}

/** Raw and gzip (zlib level 6, what a compressing proxy would send) bytes of dist/assets/*.js|css. */
export function bundleSize(dist: string): BundleSize {
  const dir = path.join(dist, 'assets');
  const files = fs
    .readdirSync(dir)
    .filter((f) => /\.(js|css)$/.test(f))
    .sort()
    .map((file) => {
      const data = fs.readFileSync(path.join(dir, file));
      return { file, bytes: data.length, gzip_bytes: zlib.gzipSync(data, { level: 6 }).length };
    });
  let html = '';
  try {
    html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  } catch {
    // No index.html: nothing is known to load first.
  }
  const loaded = new Set([...html.matchAll(/assets\/([^"'?#]+\.js)/g)].map((m) => m[1]));
  const total = (pick: (f: AssetSize) => boolean) =>
    files
      .filter(pick)
      .reduce((a, f) => ({ bytes: a.bytes + f.bytes, gzip_bytes: a.gzip_bytes + f.gzip_bytes }), {
        bytes: 0,
        gzip_bytes: 0,
      });
  const isJs = (f: AssetSize) => f.file.endsWith('.js');
  return {
    js: total(isJs),
    first_paint_js: total((f) => isJs(f) && loaded.has(f.file)),
    lazy_js: total((f) => isJs(f) && !loaded.has(f.file)),
    css: total((f) => f.file.endsWith('.css')),
    files,
  };
}
