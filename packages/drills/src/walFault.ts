/**
 * The torn-tail fault (pure): bytes to append to a WAL after a kill -9, as a write the crash
 * interrupted would leave them. `partial`: `n` seeded bytes, less than one frame (no frame is
 * completed). `bad_frame`: a whole frame with the current salts whose checksum does not chain (the last
 * frame again, its page scribbled), followed by `n` partial bytes. Never touches what is already there:
 * every committed frame stays intact, so nothing acknowledged may be lost.
 */
import type { Rng } from './rng.js';

export type TornKind = 'partial' | 'bad_frame';

export function walFrameSize(wal: Buffer): number | null {
  if (wal.length < 32) return null;
  const raw = wal.readUInt32BE(8);
  const page = raw === 1 ? 65536 : raw;
  return page >= 512 ? 24 + page : null;
}

export function tornTail(wal: Buffer, kind: TornKind, n: number, rng: Rng): Buffer {
  const frame = walFrameSize(wal);
  if (frame === null) throw new Error('not a WAL with frames');
  const partial = Buffer.from(Array.from({ length: Math.max(1, n % frame) }, () => Math.floor(rng() * 256)));
  if (kind === 'partial' || wal.length < 32 + frame) return partial;
  const last = Buffer.from(
    wal.subarray(wal.length - frame - ((wal.length - 32) % frame), wal.length - ((wal.length - 32) % frame)),
  );
  for (let i = 24; i < last.length; i += 97) last[i] = Math.floor(rng() * 256);
  return Buffer.concat([last, partial]);
}
