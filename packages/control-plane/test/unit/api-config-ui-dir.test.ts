import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultUiDir, resolveApiConfig } from '../../src/config/api.js';
import { ROOT } from '../helpers/procs.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-uidir-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('API config: the web panel directory', () => {
  it('in the checkout: packages/ui/dist, built or not (a leftover packed copy is not used)', () => {
    const configDir = path.join(tmp, 'checkout/packages/control-plane/dist/config');
    fs.mkdirSync(path.join(tmp, 'checkout/packages/ui'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'checkout/packages/ui/package.json'), '{}');
    fs.mkdirSync(path.join(tmp, 'checkout/packages/control-plane/dist/ui'), { recursive: true });
    expect(defaultUiDir(configDir)).toBe(path.join(tmp, 'checkout/packages/ui/dist'));
  });

  it('installed from the tarball (no ui package next to it): the panel packed into dist/ui', () => {
    const pkg = path.join(tmp, 'app/node_modules/@multyagents/control-plane');
    fs.mkdirSync(path.join(pkg, 'dist/config'), { recursive: true });
    expect(defaultUiDir(path.join(pkg, 'dist/config'))).toBe(path.join(pkg, 'dist/ui'));
  });

  it('this checkout resolves its own packages/ui/dist; MULTYAGENTS_UI_DIR wins, relative to the cwd', () => {
    expect(resolveApiConfig({}, {}).uiDir).toBe(path.join(ROOT, 'packages/ui/dist'));
    expect(resolveApiConfig({}, { MULTYAGENTS_UI_DIR: 'panel' }, tmp).uiDir).toBe(path.join(tmp, 'panel'));
  });
});
