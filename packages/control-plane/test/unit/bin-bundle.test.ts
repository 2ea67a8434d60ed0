import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleState, readSource } from '../../src/bin/bundle.js';

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

  it('a file with other bytes (an older bundle) is still decoded as UTF-8, not as latin1', () => {
    const text = 'module.exports = { s: "é — 😀" };\n';
    expect(readSource(file(text))).toBe(text);
  });
});
