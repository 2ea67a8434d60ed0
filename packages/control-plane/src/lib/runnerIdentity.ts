/**
 * Runner identity (issue 18, item 4), pure: the per-runner credential's format and hash, and which
 * URLs a runner may register. No I/O here; the API's auth and the registry use it.
 *
 * A credential is `<runner id>.<secret>` (secret: 32 random bytes, base64url). The id lets the API
 * find the row; only sha256(secret) is stored, so a copy of the store does not let anyone act as a
 * runner.
 */
import crypto from 'node:crypto';

export const CREDENTIAL_HEADER = 'x-runner-credential';

export interface ParsedCredential {
  runnerId: number;
  secret: string;
}

export function hashSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

/** A fresh secret (what the runner is told once) and its hash (what we keep). */
export function newSecret(): { secret: string; hash: string } {
  const secret = crypto.randomBytes(32).toString('base64url');
  return { secret, hash: hashSecret(secret) };
}

export function formatCredential(runnerId: number, secret: string): string {
  return `${runnerId}.${secret}`;
}

/** `<id>.<secret>` → its parts; null for anything else (bounded: a header is at most a few KiB). */
export function parseCredential(value: unknown): ParsedCredential | null {
  if (typeof value !== 'string' || value.length > 256) return null;
  const m = /^([1-9][0-9]{0,15})\.([A-Za-z0-9_-]{16,})$/.exec(value);
  if (!m) return null;
  const runnerId = Number(m[1]);
  return Number.isSafeInteger(runnerId) ? { runnerId, secret: m[2]! } : null;
}

/** Does `secret` match the stored hash? Constant-time over the hashes; a null hash matches nothing. */
export function secretMatches(storedHash: string | null, secret: string): boolean {
  if (!storedHash) return false;
  const a = Buffer.from(storedHash, 'hex');
  const b = Buffer.from(hashSecret(secret), 'hex');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/**
 * Why a runner URL is refused, or null when it is fine. Only http(s); never a link-local host
 * (169.254.0.0/16 — cloud metadata services live at 169.254.169.254 — or fe80::/10, also as an
 * IPv4-mapped IPv6 address). Loopback and private ranges stay allowed: runners live on the LAN.
 * Host names are not resolved (a name that resolves to a link-local address is not caught here).
 */
export function runnerUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `scheme ${url.protocol} is not allowed (only http: and https:)`;
  if (url.username || url.password) return 'a runner URL may not carry credentials';
  const host = url.hostname.toLowerCase();
  if (!host) return 'the URL has no host';
  if (isLinkLocal(host)) return `host ${host} is link-local (169.254.0.0/16, fe80::/10)`;
  return null;
}

function isLinkLocal(host: string): boolean {
  // WHATWG URL already normalised IPv4 forms (decimal, hex, short) to dotted quads.
  if (/^169\.254\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
  if (!host.startsWith('[')) return false;
  const v6 = host.slice(1, -1);
  if (/^fe[89ab][0-9a-f]:/.test(v6)) return true;
  // IPv4-mapped (::ffff:a9fe:xxxx is 169.254.x.x once normalised).
  const mapped = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(v6);
  if (mapped && parseInt(mapped[1]!, 16) === 0xa9fe) return true;
  const dotted = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(v6);
  return dotted !== null && dotted[1]!.startsWith('169.254.');
}
