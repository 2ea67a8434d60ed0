import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleState, loadBundled } from '../../src/bin/bundle.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A temp dir removed after the test. */
function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

describe('bundleState: the launcher uses the bundle only while its inputs are unchanged', () => {
  /** A bundle dir whose manifest records one input file as it is now. */
  function fixture() {
    const root = tempDir('ma-bundlestate-');
    const dir = path.join(root, 'bundle');
    fs.mkdirSync(dir);
    const input = path.join(root, 'server.js');
    fs.writeFileSync(input, 'export const x = 1;\n');
    const st = fs.statSync(input);
    const manifest = {
      version: 1,
      entries: { api: 'api-X.cjs' },
      inputs: [['../server.js', st.size, st.mtimeMs]],
    };
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    return { dir, input };
  }

  it('fresh while every input has the recorded size and mtime', () => {
    const { dir } = fixture();
    expect(bundleState('api', dir)).toEqual({ state: 'fresh', file: path.join(dir, 'api-X.cjs') });
  });

  it('stale when an input was rebuilt, even with the same size', () => {
    const { dir, input } = fixture();
    const later = new Date(fs.statSync(input).mtimeMs + 5_000);
    fs.utimesSync(input, later, later);
    expect(bundleState('api', dir)).toMatchObject({ state: 'stale', reason: '../server.js changed' });
  });

  it('stale when an input is gone; missing without a manifest or an entry', () => {
    const { dir, input } = fixture();
    expect(bundleState('runner', dir)).toMatchObject({ state: 'missing' });
    fs.rmSync(input);
    expect(bundleState('api', dir)).toMatchObject({ state: 'stale', reason: '../server.js is gone' });
    fs.rmSync(path.join(dir, 'manifest.json'));
    expect(bundleState('api', dir)).toMatchObject({ state: 'missing' });
  });
});

describe('loadBundled: which code a foreground process runs', () => {
  /** A fresh bundle dir whose api entry is a CommonJS file exporting `main`. */
  function fixture() {
    const dir = path.join(tempDir('ma-loadbundled-'), 'bundle');
    fs.mkdirSync(dir);
    const entry = path.join(dir, 'api-X.cjs');
    fs.writeFileSync(entry, 'exports.main = async () => "from the bundle";\n');
    const st = fs.statSync(entry);
    const manifest = {
      version: 1,
      entries: { api: 'api-X.cjs' },
      inputs: [['api-X.cjs', st.size, st.mtimeMs]],
    };
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    return { dir, entry };
  }

  it('requires the fresh bundle unless MULTYAGENTS_BUNDLE=off', async () => {
    const { dir } = fixture();
    expect(await loadBundled('api', undefined, dir)?.main([])).toBe('from the bundle');
    expect(loadBundled('api', 'off', dir)).toBeNull();
  });

  it('falls back to dist/ (null) when stale or missing, or throws under MULTYAGENTS_BUNDLE=on', () => {
    const { dir, entry } = fixture();
    expect(loadBundled('runner', undefined, dir)).toBeNull();
    expect(() => loadBundled('runner', 'on', dir)).toThrow(/runner bundle is missing/);
    fs.appendFileSync(entry, '// rebuilt\n');
    expect(loadBundled('api', undefined, dir)).toBeNull();
    expect(() => loadBundled('api', 'on', dir)).toThrow(/api bundle is stale \(api-X.cjs changed\)/);
  });
});
