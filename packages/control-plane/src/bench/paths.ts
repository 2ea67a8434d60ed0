import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Files the benchmark starts as processes must be plain JavaScript: under vitest this module runs
 * from src/, so a sibling `.ts` path is mapped to the compiled file in dist/ (built by `tsc -b`).
 */
export function distFile(relFromSrc: string): string {
  const here = fileURLToPath(import.meta.url);
  const srcOrDist = path.resolve(path.dirname(here), '..');
  const pkg = path.resolve(srcOrDist, '..');
  return path.join(pkg, 'dist', relFromSrc);
}

/** The package root (packages/control-plane). */
export function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

export const cliBin = (): string => distFile('bin/multyagents.js');
export const memProbeFile = (): string => distFile('bench/memProbe.js');
export const workerFile = (): string => distFile('bench/worker.js');
