import { describe, expect, it } from 'vitest';
import { findSpans, makeRedactor, redact, redactDeep, REDACTED } from '../../src/lib/redact.js';
import { STREAM_TAIL_CHARS, StreamRedactor } from '../../src/lib/streamRedact.js';

const OPENAI = 'sk-proj' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4';
const GITHUB = 'ghp_' + 'abcdefghijABCDEFGHIJ0123456789';
const OWN = 'op-token-1234567890abcdef';

function streamed(chunks: string[], literals: string[] = [], tail?: number): string {
  const r = new StreamRedactor(literals, tail);
  return chunks.map((c) => r.push(c)).join('') + r.end();
}

/** Park–Miller: the same seed gives the same chunkings on every machine. */
function rng(seed: number): () => number {
  let s = seed % 2147483647 || 1;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/** The longest run of overlapping matches in `t`. */
function longestRun(t: string): number {
  const spans = findSpans(t, 0, [OWN]).sort((a, b) => a.start - b.start);
  let best = 0;
  for (let i = 0, s = 0, e = -1; i < spans.length; i++) {
    if (spans[i]!.start >= e) s = spans[i]!.start;
    e = Math.max(e, spans[i]!.end);
    best = Math.max(best, e - s);
  }
  return best;
}

describe('redact (one pass over the original text)', () => {
  it('redacts each pattern and merges overlapping secrets into one marker', () => {
    expect(redact(`x ${OPENAI} y`)).toBe(`x ${REDACTED} y`);
    expect(redact(`token=${GITHUB}`)).toBe(`token=${REDACTED}`);
    expect(redact('Authorization: Bearer abc.def.ghijklmnop')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redact('AKIAABCDEFGHIJKLMNOP and xoxb-1234567890-abc')).toBe(`${REDACTED} and ${REDACTED}`);
    expect(makeRedactor([OWN])(`a${OWN}b ${OWN}`)).toBe(`a${REDACTED}b ${REDACTED}`);
    expect(redact('plain text, nothing here')).toBe('plain text, nothing here');
  });

  it('redactDeep redacts every string of a JSON value, keys too, and keeps the rest', () => {
    const r = makeRedactor([OWN]);
    const v = { a: [1, OPENAI, { b: OWN, n: null }], [GITHUB]: true, ok: 'fine' };
    expect(redactDeep(v, r)).toEqual({
      a: [1, REDACTED, { b: REDACTED, n: null }],
      [REDACTED]: true,
      ok: 'fine',
    });
    const clean = { x: ['y'] };
    expect(redactDeep(clean, r)).toBe(clean);
  });
});

describe('StreamRedactor', () => {
  const text = `before the key ${OPENAI} and then token=${GITHUB}; Bearer abcdefghijkl.mnop and ${OWN} end`;
  const whole = makeRedactor([OWN])(text);

  it('redacts a secret split at every offset across two chunks', () => {
    for (let i = 0; i <= text.length; i++) {
      const out = streamed([text.slice(0, i), text.slice(i)], [OWN], 48);
      expect(out, `split at ${i}`).toBe(whole);
      for (const s of [OPENAI, GITHUB, OWN, 'abcdefghijkl.mnop']) expect(out).not.toContain(s);
    }
  });

  it('redacts a secret straddling a 64 KiB pipe read with the default tail', () => {
    const filler = 'x'.repeat(64 * 1024 - 10) + ' ';
    const all = `${filler}${OPENAI} tail`;
    const cut = filler.length + 10;
    const out = streamed([all.slice(0, cut), all.slice(cut)]);
    expect(out).toBe(`${filler}${REDACTED} tail`);
  });

  it('equals redact(whole) for random chunkings (seeded, bounded)', () => {
    const pieces = [OPENAI, GITHUB, OWN, 'token: "abcdefgh"', 'Bearer zzzzzzzzzzzz', 'AKIAABCDEFGHIJKLMNOP'];
    const words = ['a', 'bc', ' ', '\n', 'x_', 'tok', 'en', '=', '😀', 'sk-', 'ghp_', '123456789:'];
    const next = rng(18);
    for (let round = 0; round < 300; round++) {
      let t = '';
      const parts = 20 + Math.floor(next() * 200);
      for (let i = 0; i < parts; i++) {
        t +=
          next() < 0.15
            ? pieces[Math.floor(next() * pieces.length)]
            : words[Math.floor(next() * words.length)];
      }
      const chunks: string[] = [];
      for (let p = 0, guard = 0; p < t.length && guard < 10_000; guard++) {
        const n = 1 + Math.floor(next() * 40);
        chunks.push(t.slice(p, p + n));
        p += n;
      }
      // The guarantee holds for matches (and runs of overlapping ones) up to the tail.
      const tail = Math.max(longestRun(t), 32 + Math.floor(next() * 64));
      expect(streamed(chunks, [OWN], tail), `round ${round}`).toBe(makeRedactor([OWN])(t));
    }
  });

  it('holds back at most twice its tail; a longer match is cut through, redacted up to the cut', () => {
    const r = new StreamRedactor([], 64);
    let out = '';
    for (let i = 0; i < 100; i++) out += r.push('y'.repeat(50));
    // 5,000 characters in, at most 2 × 64 still held.
    expect(out.length).toBeGreaterThanOrEqual(5000 - 128);
    const long = `token=${'s'.repeat(500)}`;
    const r2 = new StreamRedactor([], 64);
    const got = r2.push(long) + r2.end();
    expect(got.startsWith(`token=${REDACTED}`)).toBe(true);
    expect(got.length).toBeLessThan(long.length);
  });

  it('never splits a surrogate pair', () => {
    const t = '😀'.repeat(200);
    const r = new StreamRedactor([], 33);
    const parts = [r.push(t.slice(0, 101)), r.push(t.slice(101)), r.end()];
    for (const p of parts) expect(Buffer.from(p, 'utf8').toString('utf8')).toBe(p);
    expect(parts.join('')).toBe(t);
    expect(STREAM_TAIL_CHARS).toBe(4096);
  });
});
