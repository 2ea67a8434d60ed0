import type { Command } from 'commander';
import { action } from '../errors.js';
import { operator, printJson, withApiOptions, type ApiOptions } from '../operator.js';
import { runnersTable, type RunnerItem } from '../operatorViews.js';

export async function listRunnersCmd(opts: ApiOptions): Promise<number> {
  const { api } = operator(opts);
  const list = await api.get<RunnerItem[]>('/runners');
  if (opts.json) printJson(list);
  else process.stdout.write(runnersTable(list, Date.now()));
  return 0;
}

export function registerRunnersCommand(program: Command): void {
  const runners = program.command('runners').description('the runners the API knows');
  withApiOptions(
    runners
      .command('list')
      .description(
        'liveness (online|unreachable|offline; lost: unreachable past the lost grace; draining), held attempts / capacity, labels, executor',
      ),
    'Exit code 0 when done; 4 when the API refuses or cannot be reached.',
  ).action(action(async (opts: ApiOptions) => listRunnersCmd(opts)));
}
