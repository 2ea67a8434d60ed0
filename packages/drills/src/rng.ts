/**
 * Seeded randomness for the drills. Every random choice a drill makes (when to strike, how long a
 * partition lasts, which faults the mix combines) comes from a generator seeded by (seed, drill id),
 * so `--seed N` replays the same fault schedule. mulberry32: tiny, fast, and good enough for choosing
 * delays — this is not cryptography.
 */
export type Rng = () => number;

/** FNV-1a, 32 bit: a stable hash of the seed label. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The generator of one drill under one seed. */
export function rngFor(seed: number, label: string): Rng {
  return mulberry32(hash32(`${seed}/${label}`));
}

/** Integer in [min, max]. */
export function intIn(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

export function shuffle<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
