/**
 * The stack-trace table of a bundle (read by src/bin/stackMap.ts), decoded from its source map here
 * so that a process formatting its first stack trace does not parse a megabyte-sized source map
 * (Node's SourceMap takes ~0.1 s and tens of MB for ours; Node and libraries read `err.stack` in
 * ordinary paths such as stream destroy). Segments are [generated column, source index, original
 * line, original column], 0-based; generated line i owns segments lineStart[i] .. lineStart[i+1]-1.
 * Lines of our own sources keep every segment (exact columns); package lines keep their first.
 * Both arrays are little-endian int32, base64, in JSON with the source paths.
 */
import os from 'node:os';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...B64].map((c, i) => [c, i]));

/** Base64 VLQ numbers of one segment. */
function decodeSegment(text) {
  const out = [];
  let value = 0;
  let shift = 0;
  for (const c of text) {
    const d = DIGIT.get(c);
    if (d === undefined) throw new Error(`bad VLQ digit ${c}`);
    value += (d & 31) << shift;
    if (d & 32) {
      shift += 5;
      continue;
    }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return out;
}

/** `map`: a parsed source map; `sourcePath`: maps each entry of map.sources to what the table stores. */
export function lineTable(map, sourcePath) {
  const own = map.sources.map((src) => !src.split('/').includes('node_modules'));
  const lines = map.mappings.split(';');
  const lineStart = new Int32Array(lines.length + 1);
  const segs = [];
  let src = 0;
  let origLine = 0;
  let origCol = 0;
  lines.forEach((line, i) => {
    lineStart[i] = segs.length / 4;
    let genCol = 0;
    let first = true;
    for (const text of line ? line.split(',') : []) {
      const f = decodeSegment(text);
      genCol += f[0];
      if (f.length < 4) continue;
      src += f[1];
      origLine += f[2];
      origCol += f[3];
      if (first || own[src]) segs.push(genCol, src, origLine, origCol);
      first = false;
    }
  });
  lineStart[lines.length] = segs.length / 4;
  if (os.endianness() !== 'LE') throw new Error('the stack table is written little-endian only');
  const b64 = (a) => Buffer.from(a.buffer).toString('base64');
  return {
    sources: map.sources.map(sourcePath),
    lineStart: b64(lineStart),
    segments: b64(Int32Array.from(segs)),
  };
}
