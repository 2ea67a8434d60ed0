/**
 * `multyagents logs` without `--raw`: one pino JSON line → `time LEVEL component: msg  key=value …`.
 * Lines that are not pino JSON (the launcher's, a process's plain start line) pass through unchanged.
 * Pure; no dependency (pino-pretty would pull in a dozen packages for this).
 */

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Fields shown in the head of the line, or not at all. */
const HEAD = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'v', 'err']);

function levelName(v: unknown): string {
  if (typeof v === 'number') return LEVELS[v] ?? `L${v}`;
  return typeof v === 'string' ? v.toUpperCase() : '?';
}

function timeText(v: unknown): string {
  const d = typeof v === 'number' ? new Date(v) : typeof v === 'string' ? new Date(v) : null;
  return d && Number.isFinite(d.getTime()) ? d.toISOString() : String(v ?? '-');
}

/** `key=value`: plain when the value is a word, JSON otherwise (quotes keep spaces readable). */
function field(key: string, v: unknown): string {
  if (typeof v === 'string') return `${key}=${/^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)}`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return `${key}=${String(v)}`;
  return `${key}=${JSON.stringify(v)}`;
}

export function formatLogLine(line: string): string {
  const s = line.trim();
  if (!s.startsWith('{')) return line;
  let o: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(s);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return line;
    o = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  if (!('level' in o) || !('time' in o)) return line;
  const head = `${timeText(o.time)} ${levelName(o.level).padEnd(5)} ${String(o.name ?? '-')}:`;
  const fields: string[] = [];
  const err = o.err as { type?: string; message?: string; stack?: string; code?: string } | undefined;
  if (err && typeof err === 'object') {
    fields.push(`err=${JSON.stringify(`${err.type ? `${err.type}: ` : ''}${err.message ?? ''}`)}`);
    if (err.code) fields.push(field('err.code', err.code));
  }
  for (const [k, v] of Object.entries(o)) if (!HEAD.has(k)) fields.push(field(k, v));
  const msg = typeof o.msg === 'string' ? ` ${o.msg}` : '';
  // Two spaces part the message from its fields.
  let out = `${head}${msg}${fields.length ? `  ${fields.join(' ')}` : ''}`;
  // The stack of an error, indented under its line (its first line repeats the message).
  if (err?.stack && typeof err.stack === 'string') {
    const rest = err.stack.split('\n').slice(1);
    if (rest.length) out += `\n${rest.map((l) => `    ${l.trim()}`).join('\n')}`;
  }
  return out;
}
