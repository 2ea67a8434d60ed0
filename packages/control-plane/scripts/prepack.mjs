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
 * Usage (from npm): node scripts/prepack.mjs [--clean]. Run `tsc -b` first (the launcher does).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = path.dirname(PKG);
const SCOPE = path.join(PKG, 'node_modules', '@multyagents');
const manifest = JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8'));
const bundled = manifest.bundleDependencies.map((name) => name.replace('@multyagents/', ''));

function clean() {
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

clean();
if (!process.argv.includes('--clean')) {
  for (const dir of [PKG, ...bundled.map((name) => path.join(PACKAGES, name))]) {
    if (!fs.existsSync(path.join(dir, 'dist'))) {
      process.stderr.write(
        `prepack: ${path.relative(PACKAGES, dir)}/dist is missing: run \`tsc -b\` first\n`,
      );
      process.exit(1);
    }
  }
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
}
