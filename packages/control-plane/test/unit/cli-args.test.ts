import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ignoredFlags } from '../../src/cli/commands/up.js';
import { parseRunTarget } from '../../src/cli/commands/run.js';
import { resolveAllowedPaths } from '../../src/cli/commands/initProject.js';
import { selectLogFiles, tailLines } from '../../src/cli/commands/logs.js';
import { countRuns } from '../../src/cli/commands/status.js';
import { resolveApiUrl } from '../../src/cli/client.js';
import { CliError } from '../../src/cli/errors.js';
import { assertExecutorAvailable } from '../../src/cli/launch.js';
import { isOurCommand } from '../../src/cli/procs.js';
import { readStack, resolveStackSettings, writeStack, type StackSettings } from '../../src/cli/stack.js';
import { parseSeconds } from '../../src/cli/validate.js';

function thrown(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return err as CliError;
  }
  throw new Error('expected a CliError');
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-cli-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('up settings', () => {
  it('uses the defaults, resolving the data dir against cwd and env', () => {
    const s = resolveStackSettings({}, null, {}, '/home/u/proj');
    expect(s).toMatchObject({
      data_dir: '/home/u/proj/.multyagents',
      api_port: 48000,
      runner_port: 48070,
      runners: 1,
      dispatch: 'auto',
      runner_auth: 'on',
      executor: 'mock',
    });
    expect(resolveStackSettings({}, null, { MULTYAGENTS_DATA_DIR: 'd' }, '/x').data_dir).toBe('/x/d');
    expect(
      resolveStackSettings({ dataDir: '/abs' }, null, { MULTYAGENTS_DATA_DIR: 'd' }, '/x').data_dir,
    ).toBe('/abs');
  });

  it('takes unspecified settings from the stored stack, flags win', () => {
    const stored = resolveStackSettings({ apiPort: '41000', runners: '3', executor: 'claude' }, null, {});
    const s = resolveStackSettings({ runners: '2' }, stored, {});
    expect(s).toMatchObject({ api_port: 41000, runners: 2, executor: 'claude' });
  });

  it('refuses bad values with a usage error naming the flag', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ apiPort: '0' }, /--api-port must be an integer between 1 and 65535, got "0"/],
      [{ apiPort: 'abc' }, /--api-port/],
      [{ runners: '0' }, /--runners must be an integer between 1 and 32/],
      [{ runners: '1.5' }, /--runners/],
      [{ dispatch: 'sometimes' }, /--dispatch must be one of auto\|manual, got "sometimes"/],
      [{ runnerAuth: 'yes' }, /--runner-auth must be one of on\|off/],
      [{ executor: 'gpt' }, /--executor must be one of mock\|command\|codex\|claude/],
      [{ runnerPort: '65535', runners: '2' }, /--runner-port must be an integer between 1 and 65534/],
      [
        { apiPort: '48071', runnerPort: '48070', runners: '3' },
        /collides with the runner ports 48070\.\.48072/,
      ],
    ];
    for (const [flags, re] of cases) {
      const err = thrown(() => resolveStackSettings(flags, null, {}));
      expect(err.exitCode).toBe(2);
      expect(err.message).toMatch(re);
    }
  });

  it('lists the flags a running stack cannot honour', () => {
    const running = resolveStackSettings({}, null, {});
    const wanted = resolveStackSettings({ runners: '2', dispatch: 'auto' }, running, {});
    expect(ignoredFlags({ runners: '2', dispatch: 'auto' }, running, wanted)).toEqual([
      '--runners 2 (running: 1)',
    ]);
  });

  it('round-trips the stack file and explains a corrupt one', () => {
    const s: StackSettings = { ...resolveStackSettings({ dataDir: dir, apiPort: '41234' }, null, {}) };
    expect(readStack(dir)).toBeNull();
    writeStack(s);
    expect(readStack(dir)).toEqual(s);
    fs.writeFileSync(path.join(dir, 'run', 'stack.json'), '{nope');
    const err = thrown(() => readStack(dir));
    expect(err.code).toBe('STACK_FILE_INVALID');
    expect(err.exitCode).toBe(3);
  });
});

describe('executor check', () => {
  it('refuses codex / claude when the binary is not on PATH, and accepts it when it is', () => {
    const err = thrown(() => assertExecutorAvailable('codex', { PATH: dir }));
    expect(err.code).toBe('EXECUTOR_UNAVAILABLE');
    expect(err.exitCode).toBe(3);
    expect(err.message).toMatch(/needs the `codex` CLI, not found on PATH/);
    const bin = path.join(dir, 'claude');
    fs.writeFileSync(bin, '#!/bin/sh\n', { mode: 0o755 });
    expect(() => assertExecutorAvailable('claude', { PATH: dir })).not.toThrow();
    expect(() => assertExecutorAvailable('codex', { PATH: '', MULTYAGENTS_CODEX_BIN: bin })).not.toThrow();
    expect(() => assertExecutorAvailable('mock', { PATH: '' })).not.toThrow();
    expect(thrown(() => assertExecutorAvailable('command', {})).message).toMatch(/argv/);
  });
});

describe('small parsers', () => {
  it('tells a workflow file from a template id', () => {
    const file = path.join(dir, 'wf.json');
    fs.writeFileSync(file, '{}');
    expect(parseRunTarget(file)).toEqual({ kind: 'file', path: file });
    expect(parseRunTarget('12')).toEqual({ kind: 'template', id: 12 });
    expect(thrown(() => parseRunTarget('missing.yaml')).message).toMatch(/missing\.yaml does not exist/);
    expect(thrown(() => parseRunTarget('0')).exitCode).toBe(2);
    expect(thrown(() => parseRunTarget('plan')).message).toMatch(/neither a workflow file nor a template id/);
  });

  it('parses seconds', () => {
    expect(parseSeconds('--timeout', undefined, 30)).toBe(30);
    expect(parseSeconds('--timeout', '1.5', 30)).toBe(1.5);
    expect(() => parseSeconds('--timeout', '-1', 30)).toThrow(/positive number/);
    expect(() => parseSeconds('--timeout', 'soon', 30)).toThrow(/positive number/);
  });

  it('resolves the API URL: flag, env, stack file, default', () => {
    expect(resolveApiUrl({ api: 'http://h:1/' }, {})).toBe('http://h:1');
    expect(resolveApiUrl({}, { MULTYAGENTS_API_URL: 'http://e:2' })).toBe('http://e:2');
    writeStack(resolveStackSettings({ dataDir: dir, apiPort: '41999' }, null, {}));
    expect(resolveApiUrl({ dataDir: dir }, {})).toBe('http://127.0.0.1:41999');
    expect(resolveApiUrl({ dataDir: path.join(dir, 'none') }, {})).toBe('http://127.0.0.1:48000');
    expect(thrown(() => resolveApiUrl({ api: 'ftp://x' }, {})).exitCode).toBe(2);
    expect(thrown(() => resolveApiUrl({ api: 'not a url' }, {})).exitCode).toBe(2);
  });

  it('keeps allowed paths under the project root', () => {
    expect(resolveAllowedPaths('/p', ['src', '/p/docs'])).toEqual(['/p/src', '/p/docs']);
    expect(thrown(() => resolveAllowedPaths('/p', ['../etc'])).message).toMatch(/outside the project root/);
    expect(() => resolveAllowedPaths('/p', ['/elsewhere'])).toThrow(/outside/);
  });

  it('recognizes our own processes by the role after the entry point', () => {
    expect(isOurCommand(['/usr/bin/node', '/r/dist/bin/multyagents.js', 'api', '--port', '1'], 'api')).toBe(
      true,
    );
    expect(isOurCommand(['/usr/bin/node', '/r/dist/bin/multyagents.js', 'runner', '--api', 'x'], 'api')).toBe(
      false,
    );
    expect(isOurCommand(['/usr/bin/python3', 'api'], 'api')).toBe(false);
  });

  it('counts runs by status, every status present', () => {
    const c = countRuns([{ status: 'success' }, { status: 'success' }, { status: 'failed' }]);
    expect(c.total).toBe(3);
    expect(c.by_status).toMatchObject({ success: 2, failed: 1, running: 0, created: 0 });
    expect(c.capped).toBe(false);
    expect(countRuns([{ status: 'success' }, { status: 'failed' }], 2).capped).toBe(true);
  });
});

describe('logs', () => {
  it('tails the last lines of large files', () => {
    const f = path.join(dir, 'api.log');
    fs.writeFileSync(f, Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join('\n') + '\n');
    expect(tailLines(f, 3)).toEqual(['line 19997', 'line 19998', 'line 19999']);
    expect(tailLines(f, 0)).toEqual([]);
  });

  it('selects the files of a component and explains when there are none', () => {
    for (const f of ['api.log', 'runner-1.log', 'runner-10.log', 'runner-2.log', 'other.txt']) {
      fs.writeFileSync(path.join(dir, f), 'x\n');
    }
    const names = (c?: string, i?: number) => selectLogFiles(dir, c, i).map((f) => path.basename(f));
    expect(names()).toEqual(['api.log', 'runner-1.log', 'runner-2.log', 'runner-10.log']);
    expect(names('api')).toEqual(['api.log']);
    expect(names('runner', 2)).toEqual(['runner-2.log']);
    expect(thrown(() => selectLogFiles(dir, 'runner', 3)).code).toBe('NO_LOGS');
    expect(thrown(() => selectLogFiles(dir, 'db')).exitCode).toBe(2);
  });
});
