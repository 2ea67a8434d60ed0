/**
 * Wall-clock milliseconds with sub-millisecond resolution (performance.timeOrigin + now()).
 * Comparable across the benchmark's processes on one machine, unlike performance.now() alone.
 */
export const wallMs = (): number => performance.timeOrigin + performance.now();
