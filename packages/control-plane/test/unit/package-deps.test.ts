/**
 * Every package declares what its source imports, and nothing it does not: a bare specifier in src/
 * must be in the package's dependencies (or peerDependencies), and every dependency must be imported.
 * Workspace packages resolve from the root node_modules, so without this check an undeclared import
 * works in the repo and breaks in an install.
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PACKAGES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\('([^']+)'\)|^import\s+'([^']+)'/gm;

interface Manifest {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  bundleDependencies?: string[];
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).flatMap((e) => {
    const file = path.join(e.parentPath, e.name);
    return e.isFile() && /\.tsx?$/.test(file) ? [file] : [];
  });
}

/** The package name of a bare specifier ('@scope/name/sub' → '@scope/name'), null for relative or built-in. */
export function packageOf(spec: string): string | null {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) return null;
  if (builtinModules.includes(spec.split('/')[0]!)) return null;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function importedPackages(pkgDir: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sourceFiles(path.join(pkgDir, 'src'))) {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(IMPORT)) {
      // A type-only import is gone after compilation: it needs the package at build time only.
      if (/^\s*(?:import|export)\s+type\s/.test(m[0])) continue;
      const name = packageOf(m[1] ?? m[2] ?? m[3]!);
      if (name && !found.has(name)) found.set(name, path.relative(PACKAGES, file));
    }
  }
  return found;
}

const names = fs.readdirSync(PACKAGES).filter((d) => fs.existsSync(path.join(PACKAGES, d, 'package.json')));

describe('package manifests', () => {
  it('finds the five packages', () => {
    expect(names.sort()).toEqual(['bench', 'contracts', 'control-plane', 'drills', 'ui']);
  });

  it('the scanner sees bare imports and skips relative and built-in ones', () => {
    expect(['@a/b/c.js', 'undici', 'node:fs', 'fs', './x.js'].map(packageOf)).toEqual([
      '@a/b',
      'undici',
      null,
      null,
      null,
    ]);
  });

  describe.each(names)('%s', (name) => {
    const dir = path.join(PACKAGES, name);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
    const declared = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ]);
    const imported = importedPackages(dir);

    it('declares every package its src imports', () => {
      const missing = [...imported].filter(([pkg]) => !declared.has(pkg)).map(([pkg, f]) => `${pkg} (${f})`);
      expect(missing).toEqual([]);
    });

    it('depends on nothing its src does not import', () => {
      const unused = Object.keys(manifest.dependencies ?? {}).filter((pkg) => !imported.has(pkg));
      expect(unused).toEqual([]);
    });
  });
});
