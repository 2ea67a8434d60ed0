import { describe, expect, it } from 'vitest';
import { resolveApiConfig } from '../../src/config/api.js';
import { AppError } from '../../src/lib/errors.js';

describe('API config: the cockpit settings', () => {
  it('stuck threshold: 120 s by default, MULTYAGENTS_STUCK_AFTER_S within 1..86400', () => {
    expect(resolveApiConfig({}, {}).stuckAfterS).toBe(120);
    expect(resolveApiConfig({}, { MULTYAGENTS_STUCK_AFTER_S: '45' }).stuckAfterS).toBe(45);
    for (const bad of ['0', '86401', '1.5', 'soon']) {
      let err: unknown;
      try {
        resolveApiConfig({}, { MULTYAGENTS_STUCK_AFTER_S: bad });
      } catch (e) {
        err = e;
      }
      expect([bad, err instanceof AppError && err.code]).toEqual([bad, 'CONFIG_INVALID']);
    }
  });

  it('chaos evidence dir: <data dir>/chaos by default (where `multyagents chaos` writes), else the env, resolved once', () => {
    expect(resolveApiConfig({ dataDir: '/srv/ma' }, {}).chaosDir).toBe('/srv/ma/chaos');
    expect(resolveApiConfig({}, {}, '/home/op/proj').chaosDir).toBe('/home/op/proj/.multyagents/chaos');
    expect(resolveApiConfig({}, { MULTYAGENTS_CHAOS_DIR: 'evidence' }, '/home/op').chaosDir).toBe(
      '/home/op/evidence',
    );
  });
});
