import path from 'node:path';
import { fileURLToPath } from 'node:url';
export { cliBin } from '@multyagents/drills/product.js';

/**
 * Files the benchmark starts as processes must be plain JavaScript: under vitest this module runs
 * from src/, so a sibling `.ts` path is mapped to the compiled file in dist/ (built by `tsc -b`).
 */
export function distFile(relFromSrc: string): string {
  return path.join(packageRoot(), 'dist', relFromSrc);
}

/** The package root (packages/bench). */
export function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
}

export const memProbeFile = (): string => distFile('memProbe.js');
export const workerFile = (): string => distFile('worker.js');
