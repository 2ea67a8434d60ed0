import { applySpans, findSpans, type Span } from './redact.js';

/**
 * How many characters a stream redactor holds back (the tail), and the longest match it keeps whole
 * across a cut. A match (secret plus its `token=` / `Bearer ` prefix) of up to this length is redacted
 * exactly as `redact(whole text)` would; a longer one that straddles a cut is redacted up to the cut and
 * what follows the cut is scanned afresh (so its rest may stay visible). Memory: at most 2 × this, plus
 * the chunk being pushed.
 */
export const STREAM_TAIL_CHARS = 4096;

/**
 * Redacts a text that arrives in pieces (the 64 KiB pipe reads of an agent): `push(chunk)` returns the
 * text that is safe to write, `end()` the rest. The concatenation of everything returned equals
 * `redact(whole)` for any chunking, as long as no single match is longer than the tail.
 *
 * Why the cut is exact: the emitted prefix ends at a position no match crosses, with at least `tail`
 * characters after it seen, so every match before it is final; the next scan starts at the cut with
 * the one character before it kept as context (for `\b`), as the whole-text scan would.
 */
export class StreamRedactor {
  /** Text not yet emitted. */
  private pending = '';
  /** The last character emitted (context for `\b` at the start of `pending`). */
  private before = '';

  constructor(
    private readonly literals: readonly string[] = [],
    private readonly tail = STREAM_TAIL_CHARS,
  ) {}

  push(chunk: string): string {
    if (chunk === '') return '';
    this.pending += chunk;
    if (this.pending.length <= this.tail) return '';
    const text = this.before + this.pending;
    const at = this.before.length;
    const spans = findSpans(text, at, this.literals);
    let cut = safeCut(spans, text.length - this.tail, text.length - 2 * this.tail);
    // Never between the two halves of a surrogate pair: each half alone would be written as U+FFFD.
    if (isHighSurrogate(text.charCodeAt(cut - 1))) cut--;
    if (cut <= at) return '';
    return this.emit(text, spans, at, cut);
  }

  end(): string {
    if (this.pending === '') return '';
    const text = this.before + this.pending;
    const at = this.before.length;
    return this.emit(text, findSpans(text, at, this.literals), at, text.length);
  }

  private emit(text: string, spans: Span[], at: number, cut: number): string {
    const out = applySpans(text, spans, at, cut);
    this.before = text.slice(cut - 1, cut);
    this.pending = text.slice(cut);
    return out;
  }
}

/**
 * The cut nearest `want` that no match crosses, moving left over matches that straddle it but never
 * before `floor` (a match longer than the tail is cut through: redacted up to the cut).
 */
function safeCut(spans: readonly Span[], want: number, floor: number): number {
  let cut = want;
  // Each move goes strictly left, to a match's start: at most one move per match.
  for (let moved = true, guard = spans.length + 1; moved && guard > 0; guard--) {
    moved = false;
    for (const sp of spans) {
      if (sp.start < cut && sp.end > cut) {
        if (sp.start <= floor) return want;
        cut = sp.start;
        moved = true;
      }
    }
  }
  return cut;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
