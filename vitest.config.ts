import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'packages/*/test/unit/**/*.test.ts',
            'packages/control-plane/test/drills-unit/**/*.test.ts',
          ],
          environment: 'node',
        },
      },
      {
        test: { name: 'api', include: ['packages/control-plane/test/api/**/*.test.ts'], environment: 'node' },
      },
      {
        test: {
          name: 'process',
          include: ['packages/control-plane/test/process/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // Real processes on a 2-core machine: one file at a time keeps timings honest.
          fileParallelism: false,
        },
      },
    ],
  },
});
