import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';

/** The full help text of a command, as `multyagents help <cmd>` prints it (options + the "after" text). */
function helpOf(name: string): string {
  const program = buildProgram();
  const cmd = program.commands.find((c) => c.name() === name);
  if (!cmd) throw new Error(`no command ${name}`);
  let out = '';
  cmd.configureOutput({ writeOut: (s) => (out += s) });
  cmd.outputHelp();
  return out;
}

const ENV_BY_COMMAND: Record<string, string[]> = {
  up: [
    'MULTYAGENTS_DATA_DIR',
    'MULTYAGENTS_OPERATOR_TOKEN',
    'MULTYAGENTS_CODEX_BIN',
    'MULTYAGENTS_CLAUDE_BIN',
  ],
  down: ['MULTYAGENTS_DATA_DIR'],
  status: ['MULTYAGENTS_DATA_DIR', 'MULTYAGENTS_OPERATOR_TOKEN'],
  restart: ['MULTYAGENTS_DATA_DIR', 'MULTYAGENTS_OPERATOR_TOKEN'],
  logs: ['MULTYAGENTS_DATA_DIR'],
  run: ['MULTYAGENTS_API_URL', 'MULTYAGENTS_DATA_DIR', 'MULTYAGENTS_OPERATOR_TOKEN', 'NO_COLOR'],
  'init-project': ['MULTYAGENTS_API_URL', 'MULTYAGENTS_DATA_DIR', 'MULTYAGENTS_OPERATOR_TOKEN'],
  watch: ['MULTYAGENTS_API_URL', 'MULTYAGENTS_DATA_DIR', 'MULTYAGENTS_OPERATOR_TOKEN'],
};

describe('launcher help', () => {
  it('every launcher command lists its options, the global --verbose and the env variables it reads', () => {
    for (const [name, vars] of Object.entries(ENV_BY_COMMAND)) {
      const text = helpOf(name);
      expect(text).toMatch(new RegExp(`^Usage: multyagents ${name}`));
      expect(text).toContain('--verbose');
      const env = text.slice(text.indexOf('Environment:'));
      for (const v of vars) expect(env, `${name} help names ${v}`).toMatch(new RegExp(`\\n  ${v}\\s+\\S`));
    }
  });

  it('documents the options each command accepts', () => {
    const expectations: Record<string, string[]> = {
      up: [
        '--api-port',
        '--runner-port',
        '--runners',
        '--dispatch',
        '--runner-auth',
        '--executor',
        '--data-dir',
      ],
      down: ['--timeout', '--kill'],
      status: ['--json'],
      restart: ['--index', '--kill', '<component>'],
      logs: ['-f, --follow', '-n, --lines', '--index', '--raw'],
      run: ['--json', '--no-wait', '--api', '--timeout', '<workflow>'],
      'init-project': ['<name>', '<path>', '--allow'],
      e2e: ['--keep', '--timeout', '[e2e] PASS'],
      watch: [
        '<run-id>',
        '--json',
        '--api',
        '--timeout',
        'Exit code 0 when the run succeeded; 1 when it failed or was aborted',
      ],
    };
    for (const [name, flags] of Object.entries(expectations)) {
      const text = helpOf(name);
      for (const f of flags) expect(text, `${name} help shows ${f}`).toContain(f);
    }
  });

  it('the operator verbs group their subcommands, each with --api, --data-dir and the environment', () => {
    const groups: Record<string, string[]> = {
      runs: ['list', 'counts', 'show', 'pause', 'resume', 'abort', 'rerun'],
      tasks: ['list', 'stuck', 'diff', 'show', 'logs', 'cancel'],
      approvals: ['list', 'approve', 'reject'],
      runners: ['list'],
      drills: ['list', 'show'],
    };
    const program = buildProgram();
    for (const [group, subs] of Object.entries(groups)) {
      const g = program.commands.find((c) => c.name() === group)!;
      expect(g.commands.map((c) => c.name())).toEqual(subs);
      for (const sub of g.commands) {
        let out = '';
        sub.configureOutput({ writeOut: (s) => (out += s) });
        sub.outputHelp();
        expect(out, `${group} ${sub.name()}`).toMatch(
          new RegExp(`^Usage: multyagents ${group} ${sub.name()}`),
        );
        for (const f of ['--api', '--data-dir', 'MULTYAGENTS_OPERATOR_TOKEN', 'Exit code'])
          expect(out).toContain(f);
      }
    }
  });
});
