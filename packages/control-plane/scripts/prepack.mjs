#!/usr/bin/env node
/**
 * `npm pack` of the product: copies the two workspace packages it ships with (contracts, drills) as
 * real folders into this package's node_modules, where npm looks for `bundleDependencies`. npm does
 * not bundle a workspace dependency on its own: in the workspace it is a symlink in the root
 * node_modules. `--clean` (postpack) removes the copies again, so that the workspace symlinks are
 * what the code resolves during development.
 *
 * The copies hold package.json and dist/ only (no sources, maps or declarations). drills's
 * peerDependency on the product is dropped from its copy: inside the product it is satisfied by
 * construction, and npm must not look for @multyagents/control-plane on the registry.
 *
 * The web panel travels too: the built packages/ui/dist is copied to this package's dist/ui, where an
 * installed product's API finds it (src/config/api.ts). The panel is built first (`vite build`) when it
 * is missing or older than its sources, by the launcher's rule (scripts/multyagents): a file under
 * packages/ui/src, its index.html, vite.config.ts or package.json, or the lockfile newer than
 * packages/ui/dist/.build-stamp. Without sources (a staged copy of the dist) the dist is copied as it is.
 *
 * Usage (from npm): node scripts/prepack.mjs [--clean]. Run `tsc -b` first (the launcher does).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = path.dirname(PKG);
const SCOPE = path.join(PKG, 'node_modules', '@multyagents');
const manifest = JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8'));
const bundled = manifest.bundleDependencies.map((name) => name.replace('@multyagents/', ''));
const UI = path.join(PACKAGES, 'ui');
const UI_DIST = path.join(UI, 'dist');
const UI_STAMP = path.join(UI_DIST, '.build-stamp');
/** Where the packed panel lives in this package (the API's default UI dir when installed). */
const UI_COPY = path.join(PKG, 'dist', 'ui');

function fail(message) {
  process.stderr.write(`prepack: ${message}\n`);
  process.exit(1);
}

function clean() {
  fs.rmSync(UI_COPY, { recursive: true, force: true });
  for (const name of bundled) fs.rmSync(path.join(SCOPE, name), { recursive: true, force: true });
  for (const dir of [SCOPE, path.dirname(SCOPE)]) {
    if (fs.existsSync(dir) && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
  }
}

function copyDist(from, to) {
  fs.cpSync(from, to, {
    recursive: true,
    filter: (src) => !/\.(map|d\.ts|tsbuildinfo)$/.test(src) && !src.endsWith('.build-stamp'),
  });
}

/** `find <inputs> -newer <stamp>`: any input file or directory, at any depth, modified after `mtimeMs`. */
function newerThan(inputs, mtimeMs) {
  const stack = inputs.filter((p) => fs.existsSync(p));
  while (stack.length > 0) {
    const p = stack.pop();
    const st = fs.statSync(p);
    if (st.mtimeMs > mtimeMs) return true;
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) stack.push(path.join(p, name));
  }
  return false;
}

function uiIsStale() {
  if (!fs.existsSync(path.join(UI, 'src'))) return false;
  if (!fs.existsSync(UI_STAMP) || !fs.existsSync(path.join(UI_DIST, 'index.html'))) return true;
  const inputs = [
    path.join(path.dirname(PACKAGES), 'package-lock.json'),
    ...['src', 'index.html', 'vite.config.ts', 'package.json'].map((f) => path.join(UI, f)),
  ];
  return newerThan(inputs, fs.statSync(UI_STAMP).mtimeMs);
}

/** node_modules/.bin/vite of the ui package or the nearest folder above it (how npm scripts find it). */
function findVite() {
  for (let dir = UI; ; dir = path.dirname(dir)) {
    const bin = path.join(dir, 'node_modules', '.bin', 'vite');
    if (fs.existsSync(bin)) return bin;
    if (path.dirname(dir) === dir) return null;
  }
}

function buildUi() {
  const vite = findVite();
  if (!vite) fail('packages/ui needs a build and vite is not installed: run `npm ci` at the repository root');
  process.stderr.write('prepack: building the web panel (vite build)...\n');
  // Its output goes to stderr: `npm pack --json` prints the tarball's description on stdout.
  const r = spawnSync(vite, ['build', '--logLevel', 'warn'], { cwd: UI, stdio: ['ignore', 2, 2] });
  if (r.status !== 0)
    fail(`vite build of packages/ui failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`);
  fs.writeFileSync(UI_STAMP, '');
}

clean();
if (!process.argv.includes('--clean')) {
  for (const dir of [PKG, ...bundled.map((name) => path.join(PACKAGES, name))]) {
    if (!fs.existsSync(path.join(dir, 'dist')))
      fail(`${path.relative(PACKAGES, dir)}/dist is missing: run \`tsc -b\` first`);
  }
  if (uiIsStale()) buildUi();
  if (!fs.existsSync(path.join(UI_DIST, 'index.html')))
    fail('packages/ui/dist/index.html is missing and there are no panel sources to build it from');
  for (const name of bundled) {
    const src = path.join(PACKAGES, name);
    const dest = path.join(SCOPE, name);
    const pkg = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8'));
    delete pkg.peerDependencies;
    delete pkg.devDependencies;
    delete pkg.scripts;
    fs.mkdirSync(dest, { recursive: true });
    fs.writeFileSync(path.join(dest, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    copyDist(path.join(src, 'dist'), path.join(dest, 'dist'));
  }
  fs.cpSync(UI_DIST, UI_COPY, { recursive: true, filter: (src) => !src.endsWith('.build-stamp') });
}
