import fs from 'node:fs';
import path from 'node:path';

interface Table {
  sources: string[];
  /** Generated line i (0-based) owns segments lineStart[i] .. lineStart[i + 1] - 1. */
  lineStart: Int32Array;
  /** Per segment: generated column, source index, original line, original column (0-based). */
  segments: Int32Array;
}

const int32s = (b64: string) => new Int32Array(Uint8Array.from(Buffer.from(b64, 'base64')).buffer);

/**
 * Stack traces of a bundled process name the TypeScript sources, as they do without the bundle:
 * frames in the bundle are mapped through the table scripts/bundle-lines.mjs wrote next to it
 * (`<bundle>.stack.json`). It is read when the first stack is formatted, not at start, and no
 * source map is parsed: Node and libraries read `err.stack` in ordinary paths (stream destroy), so
 * formatting a stack must stay cheap.
 */
export function mapStackFrames(bundleFile: string): void {
  const dir = path.dirname(bundleFile);
  let table: Table | null | undefined;
  const load = (): Table | null => {
    if (table !== undefined) return table;
    try {
      const raw = JSON.parse(fs.readFileSync(`${bundleFile}.stack.json`, 'utf8')) as {
        sources: string[];
        lineStart: string;
        segments: string;
      };
      table = {
        sources: raw.sources.map((s) => path.resolve(dir, s)),
        lineStart: int32s(raw.lineStart),
        segments: int32s(raw.segments),
      };
    } catch {
      table = null;
    }
    return table;
  };
  /** The last segment of the line that starts at or before the column (else the line's first). */
  const segmentAt = (t: Table, line: number, col: number): number | null => {
    if (line >= t.lineStart.length - 1) return null;
    const from = t.lineStart[line];
    const to = t.lineStart[line + 1];
    if (from === to) return null;
    let at = from;
    for (let s = from + 1; s < to && t.segments[s * 4] <= col; s++) at = s;
    return at;
  };
  const frame = (site: NodeJS.CallSite): string => {
    const text = String(site);
    const line = site.getLineNumber();
    const col = site.getColumnNumber();
    if (site.getFileName() !== bundleFile || !line || !col) return text;
    const t = load();
    const s = t ? segmentAt(t, line - 1, col - 1) : null;
    if (!t || s === null) return text;
    const [genCol, src, origLine, origCol] = t.segments.subarray(s * 4, s * 4 + 4);
    const mapped = `${t.sources[src]}:${origLine + 1}:${Math.max(1, origCol + col - genCol)}`;
    return text.replace(`${bundleFile}:${line}:${col}`, mapped);
  };
  Error.prepareStackTrace = (err: Error, sites: NodeJS.CallSite[]) => {
    let head: string;
    try {
      head = Error.prototype.toString.call(err);
    } catch {
      head = '<error>';
    }
    return [head, ...sites.map((s) => `    at ${frame(s)}`)].join('\n');
  };
}
