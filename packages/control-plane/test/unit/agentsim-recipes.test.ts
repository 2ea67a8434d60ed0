import { describe, expect, it } from 'vitest';
import {
  claudeArgs,
  claudeSimEnv,
  codexArgs,
  codexSimConfigToml,
  codexSimEnv,
  isolatedBaseEnv,
  offlineGuardEnv,
} from '../../src/agentsim/recipes.js';
import { parseJsonLines } from '../../src/agentsim/runCli.js';

describe('agentsim recipes', () => {
  it('claude argv: stream-json needs --verbose; acceptEdits unless told otherwise', () => {
    expect(claudeArgs('p')).toEqual([
      '-p',
      'p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode',
      'acceptEdits',
    ]);
    expect(claudeArgs('p', { permissionMode: null })).not.toContain('--permission-mode');
    expect(claudeArgs('p', { resume: 'S' }).slice(-2)).toEqual(['--resume', 'S']);
  });

  it('codex argv: workspace-write, the bundled slug, no unbounded reconnects; null sandbox = the default', () => {
    expect(codexArgs('p')).toEqual([
      'exec',
      '--json',
      '-s',
      'workspace-write',
      '-m',
      'gpt-5.5',
      '--disable',
      'unbounded_connection_retries',
      'p',
    ]);
    expect(codexArgs('p', { sandbox: null })).not.toContain('-s');
    expect(codexArgs('p', { resume: 'T' }).slice(-3)).toEqual(['resume', 'T', 'p']);
  });

  it('claude env: our base URL, no retries, no nonessential traffic, per-run dirs, the guard', () => {
    const env = claudeSimEnv({ home: '/h', tmpdir: '/t', baseUrl: 'http://127.0.0.1:9' });
    expect(env).toMatchObject({
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_MAX_RETRIES: '0',
      HOME: '/h',
      TMPDIR: '/t',
      HTTPS_PROXY: 'http://127.0.0.1:1',
      NO_PROXY: '127.0.0.1,localhost,::1',
    });
    expect(env.ANTHROPIC_API_KEY).toBeTruthy();
  });

  it('codex env and config: CODEX_HOME, the responses provider at our URL, retries and phone-home off', () => {
    expect(codexSimEnv({ home: '/h', tmpdir: '/t', codexHome: '/c', proxy: 'http://127.0.0.1:5' })).toEqual({
      ...offlineGuardEnv('http://127.0.0.1:5'),
      HOME: '/h',
      TMPDIR: '/t',
      CODEX_HOME: '/c',
    });
    const toml = codexSimConfigToml('http://127.0.0.1:9/v1');
    for (const line of [
      'model_provider = "agentsim"',
      '[model_providers.agentsim]',
      'base_url = "http://127.0.0.1:9/v1"',
      'wire_api = "responses"',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '[features]\nplugins = false',
      '[analytics]\nenabled = false',
    ]) {
      expect(toml).toContain(line);
    }
  });

  it('the base env keeps PATH and locale, not keys or vendor settings', () => {
    expect(
      isolatedBaseEnv({
        PATH: '/bin',
        LANG: 'C.UTF-8',
        OPENAI_API_KEY: 'k',
        ANTHROPIC_BASE_URL: 'x',
        HOME: '/r',
      }),
    ).toEqual({ PATH: '/bin', LANG: 'C.UTF-8' });
  });

  it('parseJsonLines keeps JSON objects and skips plain text and broken lines', () => {
    expect(
      parseJsonLines('{"type":"a"}\nReading additional input from stdin...\n{"type":\n\n{"type":"b"}'),
    ).toEqual([{ type: 'a' }, { type: 'b' }]);
  });
});
