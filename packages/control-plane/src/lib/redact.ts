/**
 * Secrets are redacted before anything is stored, written to a file or returned: tokens in key=value
 * pairs, bearer headers, well-known key shapes (OpenAI/Anthropic/GitHub/AWS/Slack/Telegram), and the
 * literal tokens a process knows at start (operator, runner, callback tokens).
 *
 * One pass over the original text: every pattern is scanned on its own, the secret part of each match
 * becomes a span, overlapping spans merge, and each merged span is replaced by one `[REDACTED]`. Chained
 * `replace` calls would scan text already redacted (and find `Bearer` as a key=value's secret); spans
 * also let the stream redactor (streamRedact.ts) cut a stream only where no match crosses.
 */
interface Pattern {
  re: RegExp;
  /** Group 1 is a prefix kept as is (`Bearer `, `token=`); the rest of the match is the secret. */
  keepsPrefix: boolean;
}

const PATTERNS: Pattern[] = [
  { re: /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, keepsPrefix: true },
  {
    re: /\b((?:api[_-]?key|token|secret|password|passwd|authorization|auth)["']?\s*[:=]\s*["']?)(?!Bearer\s)[^\s"',;]{6,}/gi,
    keepsPrefix: true,
  },
  { re: /\bsk-(?:ant-)?[A-Za-z0-9_-]{16,}/g, keepsPrefix: false },
  { re: /\bgh[pousr]_[A-Za-z0-9]{20,}/g, keepsPrefix: false },
  { re: /\bgithub_pat_[A-Za-z0-9_]{20,}/g, keepsPrefix: false },
  { re: /\bAKIA[0-9A-Z]{16}\b/g, keepsPrefix: false },
  { re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, keepsPrefix: false },
  { re: /\b\d{8,10}:[A-Za-z0-9_-]{35}\b/g, keepsPrefix: false },
];

export const REDACTED = '[REDACTED]';

/** Literal secrets shorter than this are not matched (they would redact ordinary words). */
const MIN_LITERAL = 8;

/** One match: `start..end` is the whole match (a stream is never cut inside it), `from..end` the secret. */
export interface Span {
  start: number;
  from: number;
  end: number;
}

/**
 * Every match in `text` at or after `at` (the characters before `at` are context for `\b` only),
 * sorted by `from`. Each pattern and each literal scans left to right without overlap, as `replace` does.
 */
export function findSpans(text: string, at: number, literals: readonly string[]): Span[] {
  const spans: Span[] = [];
  for (const { re, keepsPrefix } of PATTERNS) {
    re.lastIndex = at;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const start = m.index;
      spans.push({ start, from: keepsPrefix ? start + m[1]!.length : start, end: start + m[0].length });
    }
  }
  for (const s of literals) {
    for (let i = text.indexOf(s, at); i !== -1; i = text.indexOf(s, i + s.length)) {
      spans.push({ start: i, from: i, end: i + s.length });
    }
  }
  return spans.sort((a, b) => a.from - b.from);
}

/** `text[at..upTo)` with the secret parts of `spans` (sorted by `from`) replaced; spans are clipped to it. */
export function applySpans(text: string, spans: readonly Span[], at = 0, upTo = text.length): string {
  let out = '';
  let pos = at;
  for (const sp of spans) {
    const from = Math.max(sp.from, at);
    const end = Math.min(sp.end, upTo);
    if (from >= upTo) break;
    if (end <= pos) continue;
    // A secret overlapping the previous one extends its marker; one that starts after it gets its own.
    if (from >= pos) out += text.slice(pos, from) + REDACTED;
    pos = end;
  }
  return out + text.slice(pos, upTo);
}

function usable(secrets: readonly string[]): string[] {
  return [...new Set(secrets.filter((s) => typeof s === 'string' && s.length >= MIN_LITERAL))];
}

function redactWith(text: string, literals: readonly string[]): string {
  const spans = findSpans(text, 0, literals);
  return spans.length === 0 ? text : applySpans(text, spans);
}

export function redact(text: string): string;
export function redact(text: string | null | undefined): string | null | undefined;
export function redact(text: string | null | undefined): string | null | undefined {
  if (text == null || text === '') return text;
  return redactWith(text, []);
}

export type Redactor = ((text: string) => string) & { readonly literals: readonly string[] };

/** The patterns plus extra literal secrets (our own tokens) known at start. */
export function makeRedactor(secrets: readonly string[]): Redactor {
  const literals = usable(secrets);
  const r = (text: string) => (text === '' ? text : redactWith(text, literals));
  return Object.assign(r, { literals });
}

/** Every string inside a JSON-like value (object keys too), redacted; the shape is kept. Depth-bounded by its callers' validation. */
export function redactDeep<T>(value: T, r: (text: string) => string): T {
  return walk(value, r) as T;
}

function walk(v: unknown, r: (text: string) => string): unknown {
  if (typeof v === 'string') return r(v);
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const w = walk(v[i], r);
      if (w !== v[i]) (out ??= v.slice())[i] = w;
    }
    return out ?? v;
  }
  if (v !== null && typeof v === 'object') {
    let out: Record<string, unknown> | null = null;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const rk = r(k);
      const w = walk(x, r);
      if (rk !== k || w !== x) {
        out ??= { ...(v as Record<string, unknown>) };
        if (rk !== k) delete out[k];
        out[rk] = w;
      }
    }
    return out ?? v;
  }
  return v;
}

/** The free texts of an agent summary (what the agent wrote can echo a secret it read), field by field. */
export function redactAgent<
  T extends { final_message: string | null; error: string | null; tool_errors: Array<{ message: string }> },
>(a: T, r: (text: string) => string): T {
  return {
    ...a,
    final_message: a.final_message === null ? null : r(a.final_message),
    error: a.error === null ? null : r(a.error),
    tool_errors: a.tool_errors.map((e) => ({ ...e, message: r(e.message) })),
  };
}
