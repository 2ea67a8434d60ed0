import { afterEach, describe, expect, it, vi } from 'vitest';
import { withDeadline } from '../../src/lib/deadline.js';

describe('withDeadline', () => {
  afterEach(() => vi.useRealTimers());

  it('leaves no timer behind once the call settled (AbortSignal.timeout would fire later)', async () => {
    vi.useFakeTimers();
    await expect(withDeadline(2_000, async () => 'answer')).resolves.toBe('answer');
    await expect(withDeadline(2_000, async () => Promise.reject(new Error('refused')))).rejects.toThrow(
      'refused',
    );
    expect(vi.getTimerCount()).toBe(0);
  });

  it('aborts a call that outlives it with a TimeoutError, as AbortSignal.timeout does', async () => {
    vi.useFakeTimers();
    let seen: unknown = null;
    const call = withDeadline(
      50,
      (signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            seen = signal.reason;
            reject(signal.reason as Error);
          }),
        ),
    );
    const settled = expect(call).rejects.toMatchObject({ name: 'TimeoutError' });
    await vi.advanceTimersByTimeAsync(50);
    await settled;
    expect(seen).toBeInstanceOf(DOMException);
  });
});
