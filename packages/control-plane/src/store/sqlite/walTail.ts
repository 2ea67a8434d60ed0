/**
 * What SQLite's WAL recovery is about to drop, read before the store opens (recovery itself is
 * silent). Format: https://www.sqlite.org/fileformat2.html#walformat — a 32-byte header (magic, version,
 * page size, checkpoint seq, salt-1, salt-2, checksum), then frames of a 24-byte header + one page.
 * Recovery keeps frames up to the last valid commit frame of the current generation (salts equal to the
 * header's, checksum chain intact). What follows is either stale (an older generation, salts differ:
 * normal after the WAL restarted) or torn: a partial frame, a frame whose checksum breaks, or frames of
 * a transaction whose commit frame never made it — the write a crash interrupted, never acknowledged.
 */
import fs from 'node:fs';

export interface WalTail {
  /** Bytes in the file. */
  size: number;
  /** Frames recovery keeps (up to and including the last valid commit frame). */
  kept_frames: number;
  commits: number;
  /** Bytes recovery drops that belong to the current generation or to no frame at all. */
  torn_bytes: number;
  /** Why: 'partial-frame' | 'bad-checksum' | 'uncommitted-frames' | 'bad-header', in the order met. */
  reasons: string[];
}

const HEADER = 32;
const FRAME_HEADER = 24;

/** SQLite's WAL checksum over `buf` (whole 8-byte chunks), continuing from (s0, s1). */
function checksum(buf: Buffer, bigEndian: boolean, s0: number, s1: number): [number, number] {
  for (let i = 0; i + 8 <= buf.length; i += 8) {
    const x0 = bigEndian ? buf.readUInt32BE(i) : buf.readUInt32LE(i);
    const x1 = bigEndian ? buf.readUInt32BE(i + 4) : buf.readUInt32LE(i + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s0, s1];
}

/** Pure: the analysis of a WAL file's bytes. */
export function inspectWal(wal: Buffer): WalTail {
  const out: WalTail = { size: wal.length, kept_frames: 0, commits: 0, torn_bytes: 0, reasons: [] };
  if (wal.length === 0) return out;
  const magic = wal.length >= 4 ? wal.readUInt32BE(0) : 0;
  if (wal.length < HEADER || (magic !== 0x377f0682 && magic !== 0x377f0683)) {
    out.torn_bytes = wal.length;
    out.reasons.push('bad-header');
    return out;
  }
  const bigEndian = (magic & 1) === 1;
  const pageSize = wal.readUInt32BE(8) === 1 ? 65536 : wal.readUInt32BE(8);
  const [h0, h1] = checksum(wal.subarray(0, 24), bigEndian, 0, 0);
  if (h0 !== wal.readUInt32BE(24) || h1 !== wal.readUInt32BE(28) || pageSize < 512) {
    out.torn_bytes = wal.length;
    out.reasons.push('bad-header');
    return out;
  }
  const salt1 = wal.readUInt32BE(16);
  const salt2 = wal.readUInt32BE(20);
  const frameSize = FRAME_HEADER + pageSize;
  let s: [number, number] = [h0, h1];
  let frames = 0;
  let pos = HEADER;
  let torn = 0;
  for (; pos + frameSize <= wal.length; pos += frameSize) {
    const fh = wal.subarray(pos, pos + FRAME_HEADER);
    if (fh.readUInt32BE(8) !== salt1 || fh.readUInt32BE(12) !== salt2) break; // stale generation
    const next = checksum(
      wal.subarray(pos + FRAME_HEADER, pos + frameSize),
      bigEndian,
      ...checksum(fh.subarray(0, 8), bigEndian, ...s),
    );
    if (next[0] !== fh.readUInt32BE(16) || next[1] !== fh.readUInt32BE(20)) {
      // Everything of this generation from here on is dropped: count the frames that still carry its salts.
      out.reasons.push('bad-checksum');
      for (let p = pos; p + frameSize <= wal.length; p += frameSize) {
        if (wal.readUInt32BE(p + 8) !== salt1 || wal.readUInt32BE(p + 12) !== salt2) break;
        torn += frameSize;
      }
      break;
    }
    s = next;
    frames++;
    if (fh.readUInt32BE(4) !== 0) {
      out.commits++;
      out.kept_frames = frames;
    }
  }
  const uncommitted = frames - out.kept_frames;
  if (uncommitted > 0) {
    out.reasons.push('uncommitted-frames');
    torn += uncommitted * frameSize;
  }
  const partial = (wal.length - HEADER) % frameSize;
  if (partial > 0) {
    out.reasons.push('partial-frame');
    torn += partial;
  }
  out.torn_bytes = torn;
  return out;
}

/** The WAL next to `dbFile`, inspected; null when there is none (clean shutdown) or it cannot be read. */
export function readWalTail(dbFile: string): WalTail | null {
  try {
    return inspectWal(fs.readFileSync(`${dbFile}-wal`));
  } catch {
    return null;
  }
}
