/**
 * The benchmark package's entry, loaded on use by the product's CLI (`multyagents bench`,
 * `race-stress`, `stress-smoke`, `restart-persistence` declare their options there and import this
 * module dynamically). Each function prints its report and resolves to the exit code.
 */
export { runBench, type BenchOptions } from './run.js';
export { raceStress, type RaceOptions } from './stress/raceStress.js';
export { restartPersistence, type RestartOptions } from './stress/restartPersistence.js';
export { stressSmoke, type SmokeOptions } from './stress/stressSmoke.js';
