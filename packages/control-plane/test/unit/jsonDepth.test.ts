import { describe, expect, it } from 'vitest';
import { jsonDepthExceeds } from '../../src/lib/jsonDepth.js';

describe('jsonDepthExceeds', () => {
  it('counts object and array nesting, not brackets inside strings or escapes', () => {
    expect(jsonDepthExceeds('{"a":[{"b":[1]}]}', 4)).toBe(false);
    expect(jsonDepthExceeds('{"a":[{"b":[1]}]}', 3)).toBe(true);
    expect(jsonDepthExceeds(JSON.stringify({ s: '[[[[{{{{' }), 1)).toBe(false);
    expect(jsonDepthExceeds(JSON.stringify({ s: 'quote \\" [[[[' }), 1)).toBe(false);
    expect(jsonDepthExceeds('[' + '[]'.repeat(10_000) + ']', 2)).toBe(false);
  });

  it('a 4,100-level body is caught without recursion', () => {
    const deep = '{"a":'.repeat(4100) + '1' + '}'.repeat(4100);
    expect(jsonDepthExceeds(deep)).toBe(true);
  });
});
