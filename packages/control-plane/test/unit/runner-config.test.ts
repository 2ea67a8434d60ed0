import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRunnerConfig } from '../../src/config/runner.js';

describe('runner config', () => {
  it('resolves defaults relative to the working directory', () => {
    const c = resolveRunnerConfig({}, {}, '/srv/app');
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 48070,
      apiUrl: 'http://127.0.0.1:48000',
      dataDir: '/srv/app/.multyagents/runner-48070',
      dbFile: '/srv/app/.multyagents/runner-48070/runner.db',
      executor: 'mock',
      capacity: 4,
      heartbeatMs: 1000,
      drainMs: 10_000,
      token: null,
      tokenFile: '/srv/app/.multyagents/runner-token',
      ledgerFile: '/srv/app/.multyagents/runner-48070/effects.jsonl',
      codexArgs: [],
    });
  });

  it('takes flags over env, and keeps the runner token out of the agents environment', () => {
    const c = resolveRunnerConfig(
      { port: '5000', labels: 'gpu, linux,', executor: 'command', commandArgv: '["prog","{prompt}"]' },
      {
        MULTYAGENTS_RUNNER_PORT: '6000',
        MULTYAGENTS_RUNNER_TOKEN: 'secret-token',
        MULTYAGENTS_DATA_DIR: 'apidata',
        MULTYAGENTS_API_URL: 'http://h:1/',
        PATH: '/bin',
      },
      '/w',
    );
    expect(c.port).toBe(5000);
    expect(c.labels).toEqual(['gpu', 'linux']);
    expect(c.commandArgv).toEqual(['prog', '{prompt}']);
    expect(c.token).toBe('secret-token');
    expect(c.apiUrl).toBe('http://h:1');
    expect(c.tokenFile).toBe(path.join('/w', 'apidata', 'runner-token'));
    expect(c.childEnv.PATH).toBe('/bin');
    expect(c.childEnv.MULTYAGENTS_RUNNER_TOKEN).toBeUndefined();
  });

  it('refuses invalid values with CONFIG_INVALID', () => {
    expect(() => resolveRunnerConfig({ executor: 'bash' }, {})).toThrow(/executor must be one of/);
    expect(() => resolveRunnerConfig({ executor: 'command' }, {})).toThrow(/needs --command-argv/);
    expect(() => resolveRunnerConfig({ commandArgv: 'prog --flag' }, {})).toThrow(/JSON array/);
    expect(() => resolveRunnerConfig({ capacity: '0' }, {})).toThrow(/capacity/);
  });
});
