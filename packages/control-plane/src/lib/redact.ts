/**
 * Secrets are redacted before anything is stored or returned: tokens in key=value pairs, bearer
 * headers, well-known key shapes (OpenAI/Anthropic/GitHub/AWS/Slack/Telegram).
 */
const PATTERNS: RegExp[] = [
  /\b(sk-(?:ant-)?[A-Za-z0-9_-]{16,})/g,
  /\b(gh[pousr]_[A-Za-z0-9]{20,})/g,
  /\b(github_pat_[A-Za-z0-9_]{20,})/g,
  /\b(AKIA[0-9A-Z]{16})\b/g,
  /\b(xox[abprs]-[A-Za-z0-9-]{10,})/g,
  /\b(\d{8,10}:[A-Za-z0-9_-]{35})\b/g,
];
const KV =
  /\b((?:api[_-]?key|token|secret|password|passwd|authorization|auth)["']?\s*[:=]\s*["']?)([^\s"',;]{6,})/gi;
const BEARER = /\b(Bearer\s+)([A-Za-z0-9._~+/=-]{8,})/g;

export const REDACTED = '[REDACTED]';

export function redact(text: string): string;
export function redact(text: string | null | undefined): string | null | undefined;
export function redact(text: string | null | undefined): string | null | undefined {
  if (text == null || text === '') return text;
  let out = text.replace(BEARER, `$1${REDACTED}`).replace(KV, `$1${REDACTED}`);
  for (const re of PATTERNS) out = out.replace(re, REDACTED);
  return out;
}

/** Extra literal secrets (our own tokens) known at start. */
export function makeRedactor(secrets: string[]): (text: string) => string {
  const known = secrets.filter((s) => s.length >= 8);
  return (text: string) => {
    let out = redact(text);
    for (const s of known) out = out.split(s).join(REDACTED);
    return out;
  };
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
