import { afterEach, describe, expect, it } from 'vitest';
import { armFromSpec, disarmAll, faultPoint } from '../../src/lib/faults.js';

afterEach(() => disarmAll());

describe('fault points', () => {
  it('do nothing unless armed', async () => {
    await expect(faultPoint('wal-fsync')).resolves.toBeUndefined();
  });

  it('`throw` raises at every hit', async () => {
    armFromSpec('wal-fsync=throw');
    await expect(faultPoint('wal-fsync')).rejects.toThrow('fault point wal-fsync fired');
    await expect(faultPoint('wal-fsync')).rejects.toThrow();
    await expect(faultPoint('other')).resolves.toBeUndefined();
  });

  it('`throw-after:n` lets n hits pass, then raises at every later one', async () => {
    armFromSpec('x=delay:1,wal-fsync=throw-after:3');
    for (let i = 0; i < 3; i++) await expect(faultPoint('wal-fsync')).resolves.toBeUndefined();
    await expect(faultPoint('wal-fsync')).rejects.toThrow();
    await expect(faultPoint('wal-fsync')).rejects.toThrow();
  });

  it('disarming resets the hit counts', async () => {
    armFromSpec('wal-fsync=throw-after:1');
    await faultPoint('wal-fsync');
    disarmAll();
    armFromSpec('wal-fsync=throw-after:1');
    await expect(faultPoint('wal-fsync')).resolves.toBeUndefined();
  });
});
