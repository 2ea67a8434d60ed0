import { describe, expect, it } from 'vitest';
import { resolveApiConfig } from '../../src/config/api.js';
import { AppError } from '../../src/lib/errors.js';

const TOKEN = 'an-operator-token-of-32-chars-xx';

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('API config: who may reach it', () => {
  it('loopback needs no operator token', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost'])
      expect(resolveApiConfig({ host }, {}).operatorToken).toBeNull();
  });

  it('a non-loopback bind without an operator token is refused, naming the way out', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10']) {
      const e = refusal(() => resolveApiConfig({ host }, {}));
      expect(e.code).toBe('CONFIG_INVALID');
      expect(e.message).toMatch(/no operator token .*--insecure-no-auth/);
    }
  });

  it('a non-loopback bind with runner auth off is refused even with a token', () => {
    const e = refusal(() =>
      resolveApiConfig({ host: '0.0.0.0', runnerAuth: 'off' }, { MULTYAGENTS_OPERATOR_TOKEN: TOKEN }),
    );
    expect(e.message).toContain('--runner-auth off');
  });

  it('with a token and runner auth on, or with --insecure-no-auth, it starts', () => {
    expect(resolveApiConfig({ host: '0.0.0.0' }, { MULTYAGENTS_OPERATOR_TOKEN: TOKEN }).operatorToken).toBe(
      TOKEN,
    );
    const open = resolveApiConfig({ host: '0.0.0.0', runnerAuth: 'off', insecureNoAuth: true }, {});
    expect(open).toMatchObject({ insecureNoAuth: true, operatorToken: null, runnerAuth: false });
    expect(resolveApiConfig({ host: '0.0.0.0' }, { MULTYAGENTS_INSECURE_NO_AUTH: '1' }).insecureNoAuth).toBe(
      true,
    );
  });

  it('an empty or short operator token is refused instead of silently meaning "no auth"', () => {
    expect(refusal(() => resolveApiConfig({}, { MULTYAGENTS_OPERATOR_TOKEN: '' })).message).toMatch(/empty/);
    expect(refusal(() => resolveApiConfig({}, { MULTYAGENTS_OPERATOR_TOKEN: 'x' })).message).toMatch(
      /1 characters: use at least 16/,
    );
    expect(resolveApiConfig({}, { MULTYAGENTS_OPERATOR_TOKEN: 'x'.repeat(16) }).operatorToken).toHaveLength(
      16,
    );
  });
});
