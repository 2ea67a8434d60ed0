import type { Command } from 'commander';
import { processEnv, type Env } from '../../config/env.js';
import { operatorClient } from '../client.js';
import { cleanStale, stackComponents } from '../components.js';
import { action, CliError, EXIT, usageError } from '../errors.js';
import { envHelp } from '../helpText.js';
import { probeHealth } from '../http.js';
import {
  assertDataDirFree,
  assertExecutorAvailable,
  checkPortsFree,
  launchApi,
  launchRunner,
} from '../launch.js';
import { apiUrl, requireStack, resolveDataDir } from '../stack.js';
import { waitPortFree } from '../ports.js';
import { parseIntArg, parseSeconds } from '../validate.js';
import { stopComponent } from './down.js';

export interface RestartOptions {
  dataDir?: string;
  index?: string;
  kill?: boolean;
  timeout?: string;
}

const say = (line: string) => process.stdout.write(`[restart] ${line}\n`);

export async function restart(component: string, opts: RestartOptions, env: Env): Promise<number> {
  if (component !== 'api' && component !== 'runner') {
    throw usageError(`unknown component "${component}"`, 'use `restart api` or `restart runner [--index i]`');
  }
  if (component === 'api' && opts.index !== undefined)
    throw usageError('--index applies to `restart runner` only');
  const timeoutS = parseSeconds('--timeout', opts.timeout, 20);
  const s = requireStack(resolveDataDir(opts.dataDir, env));
  const index = component === 'api' ? 0 : parseIntArg('--index', opts.index, 1, 1, s.runners);
  const comps = stackComponents(s.data_dir, s);
  cleanStale(comps, say);
  const target = comps.find((c) => c.index === index)!;
  if (component === 'runner') {
    assertExecutorAvailable(s.executor, env);
    if (!(await probeHealth(apiUrl(s)))) {
      throw new CliError(
        'API_UNREACHABLE',
        `the API at ${apiUrl(s)} is not healthy, a runner cannot register`,
        {
          hint: 'start it first with `multyagents restart api` or `multyagents up`',
          exitCode: EXIT.conflict,
        },
      );
    }
  }
  const stopped = await stopComponent(target, timeoutS, Boolean(opts.kill), 10_000);
  say(stopped ?? `${target.name} was not running`);
  if (stopped) await waitPortFree(s.host, target.port, 5000);
  await checkPortsFree(s, component === 'api', component === 'runner' ? [index] : []);
  if (component === 'api') {
    await assertDataDirFree(s.data_dir);
    say(`starting API on ${s.host}:${s.api_port}...`);
    const r = await launchApi(s, env, timeoutS * 1000 + 10_000);
    say(`API healthy at ${r.url} (pid ${r.pid}, ${(r.ms / 1000).toFixed(1)}s)`);
  } else {
    say(`starting ${target.name} on ${s.host}:${target.port}...`);
    const r = await launchRunner(s, index, env, operatorClient(apiUrl(s), env), timeoutS * 1000 + 10_000);
    say(`${target.name} healthy and registered at ${r.url} (pid ${r.pid}, ${(r.ms / 1000).toFixed(1)}s)`);
  }
  return 0;
}

export function registerRestartCommand(program: Command): void {
  program
    .command('restart')
    .description('stop and start one component of the running stack with the same settings')
    .argument('<component>', 'api | runner')
    .option('--index <i>', 'which runner (default 1)')
    .option('--kill', 'stop with SIGKILL (kill -9) instead of SIGTERM')
    .option('--timeout <seconds>', 'grace period before SIGKILL, and base of the health wait (default 20)')
    .option('--data-dir <dir>', 'data dir of the stack (default .multyagents)')
    .addHelpText('after', envHelp(['MULTYAGENTS_DATA_DIR', 'MULTYAGENTS_OPERATOR_TOKEN']))
    .action(
      action(async (component: string, opts: RestartOptions) => restart(component, opts, processEnv())),
    );
}
