import { defineConfig } from 'vitest/config';

/** One project per kind of test, each across every package (contracts, control-plane, drills, bench). */
export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['packages/*/test/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        // The web panel's components and pure logic (packages/ui), in a DOM.
        esbuild: { jsx: 'automatic' },
        test: {
          name: 'ui',
          include: ['packages/ui/test/unit/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
        },
      },
      {
        test: { name: 'api', include: ['packages/*/test/api/**/*.test.ts'], environment: 'node' },
      },
      {
        test: {
          name: 'process',
          // packages/ui/test/e2e: the panel in Debian's chromium against a real API and runner.
          include: ['packages/*/test/process/**/*.test.ts', 'packages/ui/test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // Real processes on a 2-core machine: one file at a time keeps timings honest.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'conformance',
          // First-version clients over real HTTP against `up --dispatch manual --runner-auth off`.
          include: ['packages/*/test/conformance/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 90_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
