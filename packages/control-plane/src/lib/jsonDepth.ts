/** The deepest nesting a request body may have: generous for any real payload, far from the stack limit. */
export const MAX_JSON_DEPTH = 128;

/**
 * Whether JSON text nests objects/arrays deeper than `max`, found by one linear scan of the raw text
 * (strings and their escapes skipped) before any parsing: `JSON.parse` and everything that walks the
 * result afterwards (validation, redaction, serialization) recurse, and ~4,000 levels overflow the stack.
 */
export function jsonDepthExceeds(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
