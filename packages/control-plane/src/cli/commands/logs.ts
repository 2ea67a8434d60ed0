import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { processEnv, type Env } from '../../config/env.js';
import { action, CliError, EXIT, usageError } from '../errors.js';
import { envHelp } from '../helpText.js';
import { formatLogLine } from '../logFormat.js';
import { sleep } from '../procs.js';
import { resolveDataDir, stackPaths } from '../stack.js';
import { parseIntArg } from '../validate.js';

export interface LogsOptions {
  dataDir?: string;
  follow?: boolean;
  lines?: string;
  index?: string;
  raw?: boolean;
}

/** The last `n` lines of a file, reading backwards in chunks (logs can be large). */
export function tailLines(file: string, n: number): string[] {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    let pos = size;
    let text = '';
    while (pos > 0 && text.split('\n').length <= n + 1) {
      const len = Math.min(64 * 1024, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, pos);
      text = buf.toString('utf8') + text;
    }
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return n === 0 ? [] : lines.slice(-n);
  } finally {
    fs.closeSync(fd);
  }
}

export function selectLogFiles(logsDir: string, component: string | undefined, index?: number): string[] {
  if (component !== undefined && !['api', 'runner', 'telegram'].includes(component)) {
    throw usageError(
      `unknown component "${component}"`,
      'use `logs`, `logs api`, `logs runner [--index i]` or `logs telegram`',
    );
  }
  let names: string[];
  try {
    names = fs.readdirSync(logsDir).filter((f) => /^(api|runner-\d+|telegram)\.log$/.test(f));
  } catch {
    names = [];
  }
  const runnerNo = (f: string) => Number(/^runner-(\d+)\.log$/.exec(f)?.[1] ?? 0);
  names.sort((a, b) => runnerNo(a) - runnerNo(b));
  const picked = names.filter((f) => {
    if (component === 'api') return f === 'api.log';
    if (component === 'telegram') return f === 'telegram.log';
    if (component === 'runner')
      return f.startsWith('runner-') && (index === undefined || runnerNo(f) === index);
    return true;
  });
  if (picked.length === 0) {
    const what =
      component === 'runner' && index !== undefined ? `runner-${index}` : (component ?? 'any component');
    throw new CliError('NO_LOGS', `no log file for ${what} in ${logsDir}`, {
      hint: 'start the stack with `multyagents up` (or pass the --data-dir it used)',
      exitCode: EXIT.conflict,
    });
  }
  return picked.map((f) => path.join(logsDir, f));
}

async function follow(files: string[], prefix: boolean, show: (l: string) => string): Promise<never> {
  const offsets = new Map(files.map((f) => [f, fs.statSync(f).size]));
  const partial = new Map(files.map((f) => [f, '']));
  for (;;) {
    for (const f of files) {
      let size: number;
      try {
        size = fs.statSync(f).size;
      } catch {
        continue;
      }
      let off = offsets.get(f)!;
      if (size < off) off = 0; // truncated or replaced: start over
      if (size === off) continue;
      const buf = Buffer.alloc(size - off);
      const fd = fs.openSync(f, 'r');
      fs.readSync(fd, buf, 0, buf.length, off);
      fs.closeSync(fd);
      offsets.set(f, size);
      const chunks = (partial.get(f)! + buf.toString('utf8')).split('\n');
      partial.set(f, chunks.pop()!);
      const tag = prefix ? `[${path.basename(f, '.log')}] ` : '';
      for (const line of chunks) process.stdout.write(`${tag}${show(line)}\n`);
    }
    await sleep(250);
  }
}

export async function logs(component: string | undefined, opts: LogsOptions, env: Env): Promise<number> {
  const n = parseIntArg('-n', opts.lines, 50, 0, 1_000_000);
  if (opts.index !== undefined && component !== 'runner')
    throw usageError('--index applies to `logs runner` only');
  const index = opts.index === undefined ? undefined : parseIntArg('--index', opts.index, 1, 1, 1000);
  const files = selectLogFiles(stackPaths(resolveDataDir(opts.dataDir, env)).logsDir, component, index);
  const show = opts.raw ? (l: string) => l : formatLogLine;
  for (const f of files) {
    if (files.length > 1) process.stdout.write(`==> ${f} <==\n`);
    if (n > 0) for (const line of tailLines(f, n)) process.stdout.write(`${show(line)}\n`);
  }
  if (opts.follow) {
    process.on('SIGINT', () => process.exit(0));
    await follow(files, files.length > 1, show);
  }
  return 0;
}

export function registerLogsCommand(program: Command): void {
  program
    .command('logs')
    .description('print the last lines of the API and runner logs, pretty-printed; -f to follow')
    .argument('[component]', 'api | runner | telegram (default: all)')
    .option('-f, --follow', 'keep printing new lines (Ctrl-C to stop)')
    .option('-n, --lines <n>', 'lines to print from the end of each file (default 50)')
    .option('--index <i>', 'only runner-i (with `logs runner`)')
    .option('--raw', 'print the JSON log lines as they are (default: time LEVEL component msg key=value)')
    .option('--data-dir <dir>', 'data dir of the stack (default .multyagents)')
    .addHelpText('after', envHelp(['MULTYAGENTS_DATA_DIR']))
    .action(
      action(async (component: string | undefined, opts: LogsOptions) => logs(component, opts, processEnv())),
    );
}
