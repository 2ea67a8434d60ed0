import { AppError } from '../lib/errors.js';

/**
 * HTTP optimistic concurrency for the catalogue (projects, roles, skill packs, workflow templates):
 * a row's `revision` travels as a strong `ETag` (`"r7"`); a PUT or DELETE with `If-Match` applies only
 * while the row still has that version (RFC 9110 §13.1.1, strong comparison).
 */
export type IfMatch = { any: true } | { any: false; tags: readonly string[] };

export function etagOf(revision: number): string {
  return `"r${revision}"`;
}

const MAX_HEADER = 2000;
/** One list member: an optional weak prefix, a quoted opaque tag (RFC 9110 etagc), then a comma or the end. */
const MEMBER = /^[ \t]*(W\/)?("[\x21\x23-\x7e\x80-\xff]*")[ \t]*(?:,|$)/;

function invalid(why: string): AppError {
  return new AppError('IF_MATCH_INVALID', `If-Match: ${why}; send * or quoted ETags such as "r7"`, {
    field: 'If-Match',
  });
}

/** The `If-Match` header: absent → null (no condition: last writer wins, as in the first version). */
export function parseIfMatch(raw: string | string[] | undefined): IfMatch | null {
  if (raw === undefined) return null;
  // Node joins a repeated If-Match with ", ": the list form; an array here is the same list.
  const text = (Array.isArray(raw) ? raw.join(', ') : raw).trim();
  if (text === '') throw invalid('empty');
  if (text.length > MAX_HEADER) throw invalid(`${text.length} characters (at most ${MAX_HEADER})`);
  if (text === '*') return { any: true };
  const tags: string[] = [];
  let rest = text;
  // Each pass consumes at least the two quotes of one tag: bounded by the header's length.
  while (rest.length > 0) {
    const m = MEMBER.exec(rest);
    if (!m) throw invalid(`not an entity tag at '${rest.slice(0, 40)}'`);
    // A weak tag never matches under strong comparison: it is kept out of the list.
    if (m[1] === undefined) tags.push(m[2]!);
    rest = rest.slice(m[0].length);
  }
  return { any: false, tags };
}

/** Whether a row whose version is `etag` satisfies the condition (the row exists: `*` holds). */
export function ifMatchHolds(cond: IfMatch, etag: string): boolean {
  return cond.any || cond.tags.includes(etag);
}
