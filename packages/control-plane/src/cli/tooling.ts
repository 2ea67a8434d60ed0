import type { Env } from '../config/env.js';
import { CliError, EXIT } from './errors.js';

/**
 * The tooling packages, as the CLI calls them. They depend on the product, so the product cannot
 * depend on their types: each command declares its options here and loads the package on use, by a
 * specifier TypeScript does not resolve (the project references stay acyclic, and the product builds
 * and installs without them). These interfaces are the contract; the packages' entries implement it
 * (checked by the tests' typecheck, test/unit/cli-tooling.test.ts).
 */
type Suite<O> = (options: O) => Promise<number>;

export interface DrillsEntry {
  chaosCommand(flags: object, env: Env, cwd: string): Promise<void>;
}

export interface BenchEntry {
  runBench: Suite<{
    quick?: boolean;
    json?: string;
    durability: 'full' | 'relaxed';
    peer?: string;
    only?: string[];
    keep?: boolean;
    installAgentClis?: boolean;
  }>;
  raceStress: Suite<{ rounds: number; clients: number; seed: number; keep?: boolean }>;
  stressSmoke: Suite<{
    runs: number;
    parallelism: number;
    runners: number;
    durationMs: number;
    keep?: boolean;
  }>;
  restartPersistence: Suite<{ runs: number; keep?: boolean }>;
}

interface Tooling {
  drills: DrillsEntry;
  bench: BenchEntry;
}

const PACKAGE: Record<keyof Tooling, string> = {
  drills: '@multyagents/drills',
  bench: '@multyagents/bench',
};

/** Import a tooling package's entry; a package that is not installed is a one-line TOOLING_NOT_INSTALLED. */
export async function loadTooling<K extends keyof Tooling>(
  name: K,
  command: string,
  specifier: string = PACKAGE[name],
): Promise<Tooling[K]> {
  try {
    return (await import(specifier)) as Tooling[K];
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes(`'${specifier}'`)) {
      throw new CliError(
        'TOOLING_NOT_INSTALLED',
        `\`multyagents ${command}\` needs the ${specifier} package, which is not installed here`,
        {
          hint: 'run it from a checkout of the multyagents repository (./scripts/multyagents)',
          exitCode: EXIT.conflict,
        },
      );
    }
    throw err;
  }
}
