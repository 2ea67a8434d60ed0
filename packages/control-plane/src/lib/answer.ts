/**
 * The body of an HTTP answer: its JSON, null when empty, or `{raw}` (the first 500 characters) when it
 * is not JSON — so a caller can always log or inspect what came back.
 */
export function parseAnswer(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return { raw: text.slice(0, 500) };
  }
}
