import { describe, expect, it } from 'vitest';
import {
  formatCredential,
  hashSecret,
  newSecret,
  parseCredential,
  runnerUrlProblem,
  secretMatches,
} from '../../src/lib/runnerIdentity.js';

describe('runner identity (pure)', () => {
  it('a credential is <id>.<secret>; only the hash of the secret matches it', () => {
    const { secret, hash } = newSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hash).toBe(hashSecret(secret));
    const parsed = parseCredential(formatCredential(7, secret));
    expect(parsed).toEqual({ runnerId: 7, secret });
    expect(secretMatches(hash, secret)).toBe(true);
    expect(secretMatches(hash, newSecret().secret)).toBe(false);
    expect(secretMatches(null, secret)).toBe(false);
    for (const bad of [
      undefined,
      '',
      '7',
      '0.abcdefghijklmnopq',
      '7.short',
      `7.${'a'.repeat(300)}`,
      '7.a b c d e f g h i',
    ])
      expect(parseCredential(bad)).toBeNull();
  });

  it('runner URLs: http(s) only, never link-local; loopback and private ranges allowed', () => {
    for (const bad of [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'data:text/plain,x',
      'http://user:pw@127.0.0.1/',
      'http://169.254.169.254/',
      'http://0xa9fea9fe/',
      'http://2852039166/',
      'http://169.254.1/',
      'http://[fe80::1]/',
      'http://[FEBF:0::1]/',
      'http://[::ffff:169.254.169.254]/',
      'not a url',
    ])
      expect([bad, runnerUrlProblem(bad)]).not.toEqual([bad, null]);
    for (const good of [
      'http://127.0.0.1:1/',
      'https://runner.lan/',
      'http://10.1.2.3/',
      'http://192.168.0.9:8701',
      'http://[::1]:8701/',
      'http://[fec0::1]/',
      'http://[::ffff:10.0.0.1]/',
      'http://169.255.0.1/',
    ])
      expect([good, runnerUrlProblem(good)]).toEqual([good, null]);
  });
});
