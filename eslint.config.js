import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'eslint.config.js',
      'vitest.config.ts',
      'packages/control-plane/test/fixtures/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['packages/**/*.ts'],
    languageOptions: {
      parserOptions: {
        project: ['./packages/*/tsconfig.json', './tsconfig.test.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { maxDepth: 8 }],
    },
  },
  {
    // Folder boundaries: the pure domain does no I/O; contracts import nothing from Node.
    files: ['packages/control-plane/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'node:*',
            '../store/*',
            '../api/*',
            '../scheduler/*',
            '../runner/*',
            'fastify',
            'undici',
            'better-sqlite3',
          ],
        },
      ],
    },
  },
  {
    // Package direction: the tooling (drills, bench) imports the product, never the reverse; the CLI
    // reaches the tooling by a dynamic import of a specifier (cli/tooling.ts).
    files: ['packages/control-plane/src/**/*.ts'],
    ignores: ['packages/control-plane/src/domain/**', 'packages/control-plane/src/runner/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '@multyagents/drills',
            '@multyagents/drills/*',
            '@multyagents/bench',
            '@multyagents/bench/*',
          ],
        },
      ],
    },
  },
  {
    files: ['packages/contracts/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['node:*', '@multyagents/control-plane'] }] },
  },
  {
    files: ['packages/control-plane/src/runner/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['../store/*', '../api/*', '../scheduler/*', '../services/*'] },
      ],
    },
  },
);
