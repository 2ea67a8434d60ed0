import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleState, loadBundled, readSource } from '../../src/bin/bundle.js';

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
    writeEntry(dir, 'exports.main = async () => "from the bundle";\n');
    return { dir, entry };
  }

  /** (Re)writes the api entry and a manifest that records it as it is now. */
  function writeEntry(dir: string, text: string) {
    const entry = path.join(dir, 'api-X.cjs');
    fs.writeFileSync(entry, text);
    const st = fs.statSync(entry);
    const manifest = {
      version: 1,
      entries: { api: 'api-X.cjs' },
      inputs: [['api-X.cjs', st.size, st.mtimeMs]],
    };
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  }

  it('requires the fresh bundle unless MULTYAGENTS_BUNDLE=off', async () => {
    const { dir } = fixture();
    expect(await loadBundled('api', undefined, dir)?.entry.main([])).toBe('from the bundle');
    expect(loadBundled('api', 'off', dir)).toBeNull();
  });

  it('writes a V8 code cache after the first start, and the next start uses it instead of rewriting it', () => {
    const { dir } = fixture();
    const caches = () => fs.readdirSync(dir).filter((f) => f.endsWith('.v8cache'));
    loadBundled('api', undefined, dir)?.afterStart();
    expect(caches()).toEqual([expect.stringMatching(/^api-X\.cjs\.\w+\.v8cache$/)]);
    const cache = path.join(dir, caches()[0]);
    const old = new Date(Math.floor(fs.statSync(cache).mtimeMs / 1000) * 1000 - 60_000); // whole seconds: exact
    fs.utimesSync(cache, old, old);
    loadBundled('api', undefined, dir)?.afterStart();
    expect(fs.statSync(cache).mtimeMs).toBe(old.getTime());
    // A cache V8 refuses (here: not a cache at all) is replaced. Another text: V8 keeps what it
    // compiled in this process and would not look at the cache for the same one.
    writeEntry(dir, 'exports.main = async () => "rebuilt";\n');
    fs.writeFileSync(cache, 'not a code cache');
    loadBundled('api', undefined, dir)?.afterStart();
    expect(fs.readFileSync(cache).length).toBeGreaterThan(16);
    expect(fs.readdirSync(dir).sort()).toEqual(['api-X.cjs', caches()[0], 'manifest.json'].sort());
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

describe('readSource: the bundle text, decoded fast when it is ASCII', () => {
  function file(text: string): string {
    const f = path.join(tempDir('ma-readsource-'), 'api-X.cjs');
    fs.writeFileSync(f, text, 'utf8');
    return f;
  }

  it('an ASCII file reads as its UTF-8 text', () => {
    const text = 'module.exports = { s: "\\u00e9" }; // plain\n';
    expect(readSource(file(text))).toBe(text);
  });

  it('a file with other bytes is still decoded as UTF-8, not as latin1', () => {
    const text = 'module.exports = { s: "é — 😀" };\n';
    expect(readSource(file(text))).toBe(text);
  });
});
