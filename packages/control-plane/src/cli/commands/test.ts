import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');

/** Every workspace package, in build order: the product, then the tooling that imports it. */
const PACKAGES = ['contracts', 'control-plane', 'drills', 'bench'];

interface Step {
  name: string;
  cmd: string;
  args: string[];
}

/** The full suite: what the README and .ci/run call. Each step is a separate process; stop at the first failure. */
export function testSteps(opts: { quick?: boolean }): Step[] {
  const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);
  const steps: Step[] = [
    {
      name: 'typecheck (build)',
      cmd: bin('tsc'),
      args: ['-b', ...PACKAGES.map((p) => `packages/${p}`)],
    },
    // The process tests start `api` / `runner` the way users do: from the bundle of what tsc just built.
    {
      name: 'bundle api/runner',
      cmd: process.execPath,
      args: [path.join(ROOT, 'packages/control-plane/scripts/bundle.mjs'), '--quiet'],
    },
    { name: 'typecheck (tests)', cmd: bin('tsc'), args: ['-p', 'tsconfig.test.json'] },
    // The web panel: its own tsconfig (DOM, JSX), and its build, which the API serves and the e2e opens.
    { name: 'typecheck (ui)', cmd: bin('tsc'), args: ['-p', 'packages/ui/tsconfig.json'] },
    {
      name: 'build ui',
      cmd: bin('vite'),
      args: ['build', 'packages/ui', '--logLevel', 'warn'],
    },
    { name: 'lint', cmd: bin('eslint'), args: ['packages'] },
    { name: 'format', cmd: bin('prettier'), args: ['--check', '.'] },
    { name: 'unit + ui + api + process + conformance tests', cmd: bin('vitest'), args: ['run'] },
  ];
  return opts.quick ? steps.filter((s) => !s.name.startsWith('format')) : steps;
}

export function registerTestCommand(program: Command): void {
  program
    .command('test')
    .description(
      'run the whole test suite: typecheck, lint, format, build of the panel, unit, UI, API, process tests',
    )
    .option('--quick', 'skip the format check')
    .action((opts: { quick?: boolean }) => {
      const started = Date.now();
      for (const step of testSteps(opts)) {
        process.stdout.write(`\n[test] ${step.name}: ${path.basename(step.cmd)} ${step.args.join(' ')}\n`);
        const r = spawnSync(step.cmd, step.args, { cwd: ROOT, stdio: 'inherit', env: process.env });
        if (r.status !== 0) {
          process.stdout.write(`\n[test] FAILED at "${step.name}" (exit ${r.status ?? r.signal})\n`);
          process.exit(r.status ?? 1);
        }
      }
      process.stdout.write(`\n[test] all steps passed in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
    });
}
