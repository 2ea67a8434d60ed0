import { ERROR_CODES } from '@multyagents/contracts';
import { describe, expect, it } from 'vitest';
import { CliError, EXIT, formatError } from '../../src/cli/errors.js';
import { loadTooling, type BenchEntry, type DrillsEntry } from '../../src/cli/tooling.js';

/** Compile-time: the tooling packages' entries implement what the CLI calls (tsc -p tsconfig.test.json). */
type Implements<T extends U, U> = T;
export type _DrillsImplements = Implements<typeof import('../../../drills/src/main.js'), DrillsEntry>;
export type _BenchImplements = Implements<typeof import('../../../bench/src/main.js'), BenchEntry>;

describe('tooling commands (chaos, bench, stress suites)', () => {
  it('a tooling package that is not installed is one line with the catalogue code TOOLING_NOT_INSTALLED, exit 3', async () => {
    const err = await loadTooling('drills', 'chaos', '@multyagents/not-installed').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    const e = err as CliError;
    expect(e.code).toBe('TOOLING_NOT_INSTALLED');
    expect(ERROR_CODES[e.code]).toMatchObject({ surface: 'cli' });
    expect(e.exitCode).toBe(EXIT.conflict);
    const line = formatError('chaos', e);
    expect(line).toMatch(/^multyagents chaos: TOOLING_NOT_INSTALLED: .*@multyagents\/not-installed/);
    expect(line).not.toContain('\n');
  });

  it('the installed packages load and expose what the CLI calls', async () => {
    const drills = await loadTooling('drills', 'chaos');
    expect(typeof drills.chaosCommand).toBe('function');
    const bench = await loadTooling('bench', 'bench');
    for (const fn of ['runBench', 'raceStress', 'stressSmoke', 'restartPersistence'] as const)
      expect(typeof bench[fn], fn).toBe('function');
  });

  it('a package that is installed but broken is not reported as missing', async () => {
    // A relative specifier that resolves nowhere: ERR_MODULE_NOT_FOUND, but not for the package name asked.
    const err = await loadTooling('bench', 'bench', './no-such-module.js').catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(CliError);
  });
});
