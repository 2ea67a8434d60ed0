import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../src/domain/triage.js';
import { redact, makeRedactor } from '../../src/lib/redact.js';

describe('triage classifier', () => {
  it('classifies by where it failed', () => {
    const submit = classifyFailure({
      step: 'submit',
      runnerUrl: 'http://127.0.0.1:48070',
      error: 'ECONNREFUSED',
    });
    expect(submit.category).toBe('runner-submit');
    expect(submit.hints.join(' ')).toContain('http://127.0.0.1:48070');
    expect(submit.hints.join(' ')).toContain('ECONNREFUSED');
    expect(classifyFailure({ step: 'runner-lost', runnerUrl: 'u' }).category).toBe('runner-lost');
    expect(classifyFailure({ step: 'runner-restarted' }).category).toBe('runner-lost');
    expect(classifyFailure({ step: 'timeout', timeoutSeconds: 30 }).hints[0]).toContain('30s');
    expect(classifyFailure({ step: 'cancel', message: 'operator' }).category).toBe('canceled');
  });

  it('classifies agent output', () => {
    const cases: Array<[string, string]> = [
      ['bash: codex: command not found', 'dependency'],
      ['Error: EACCES: permission denied, open /x', 'permission'],
      ['connect ECONNRESET 1.2.3.4:443', 'network'],
      ['fatal: not a git repository', 'workspace-git'],
      ['Tests: 3 failed, 10 passed', 'test-regression'],
    ];
    for (const [output, category] of cases) {
      const r = classifyFailure({ step: 'run', exitCode: 1, output });
      expect(r.category, output).toBe(category);
      expect(r.hints.length).toBeGreaterThan(0);
      expect(r.actions.length).toBeGreaterThan(0);
    }
    expect(classifyFailure({ step: 'run', exitCode: 3, output: 'something odd' }).category).toBe(
      'agent-error',
    );
    expect(classifyFailure({ step: 'run', exitCode: null, output: '' }).category).toBe('unknown');
    expect(classifyFailure({ step: 'spawn', message: 'codex missing' }).category).toBe('dependency');
  });

  it("reads a coding agent's own account before patterns in its output", () => {
    const facts = {
      agent: 'claude' as const,
      verdict: 'permission-denied' as const,
      permission_denials: [
        { tool: 'Write', target: '/w/a.txt' },
        { tool: 'Bash', target: 'npm test' },
      ],
      error: null,
      tool_errors: [],
    };
    // The stream quotes "Permission denied" too: the permission rule would have matched it.
    const output = '{"type":"user","message":"Permission denied"}';
    const denied = classifyFailure({ step: 'run', exitCode: 0, output, agent: facts });
    expect(denied.category).toBe('agent-permission-denied');
    expect(denied.hints).toContain('denied: Write /w/a.txt');
    expect(denied.hints).toContain('denied: Bash npm test');
    expect(denied.actions.join('\n')).toContain("allow Write in the role's allowed_tools");
    expect(denied.actions.join('\n')).toContain('Bash(npm test)');
    const codex = classifyFailure({
      step: 'run',
      exitCode: 0,
      agent: { ...facts, agent: 'codex', permission_denials: [{ tool: 'apply_patch', target: '/w/a' }] },
    });
    expect(codex.actions[0]).toMatch(/sandbox refused apply_patch.*read_only/);
    const error = classifyFailure({
      step: 'run',
      exitCode: 0,
      output,
      agent: { ...facts, verdict: 'agent-error', error: 'API Error: 500', permission_denials: [] },
    });
    expect(error.category).toBe('agent-error');
    expect(error.hints[0]).toContain('API Error: 500');
    // A verdict of ok leaves the classification to the usual rules; a timeout stays a timeout.
    expect(
      classifyFailure({ step: 'run', exitCode: 1, output, agent: { ...facts, verdict: 'ok' } }).category,
    ).toBe('permission');
    expect(classifyFailure({ step: 'timeout', agent: facts }).category).toBe('timeout');
    // No closing event and a failed exit: the output says more than the agent's silence.
    const silent = { ...facts, verdict: 'no-result' as const, permission_denials: [] };
    expect(
      classifyFailure({ step: 'run', exitCode: 127, output: 'claude: command not found', agent: silent })
        .category,
    ).toBe('dependency');
    expect(classifyFailure({ step: 'run', exitCode: 0, agent: silent }).category).toBe('agent-error');
    expect(classifyFailure({ step: 'spawn', message: 'spawn ENOENT', agent: silent }).category).toBe(
      'dependency',
    );
  });

  it('a spawn that ran out of a host resource is resource exhaustion, not a missing dependency', () => {
    const emfile = classifyFailure({
      step: 'spawn',
      message: 'the agent could not be started: spawn /usr/bin/node EMFILE',
    });
    expect(emfile.category).toBe('resource-exhaustion');
    expect(emfile.hints[0]).toMatch(/resource exhaustion.*too many open files \(EMFILE\)/);
    expect(emfile.actions.join(' ')).toMatch(/ulimit -n/);
    expect(classifyFailure({ step: 'spawn', message: 'spawn node ENOMEM' }).category).toBe(
      'resource-exhaustion',
    );
    expect(classifyFailure({ step: 'spawn', message: 'spawn ENFILE' }).hints[0]).toMatch(/ENFILE/);
    expect(classifyFailure({ step: 'spawn', message: 'spawn node EAGAIN' }).category).toBe(
      'resource-exhaustion',
    );
    // The attempt's prompt file could not be written: the runner's disk is full.
    const full = classifyFailure({
      step: 'spawn',
      message: "ENOSPC: no space left on device, write '/var/lib/r/attempts/task-4-attempt-1/prompt.txt'",
    });
    expect(full.category).toBe('resource-exhaustion');
    expect(full.hints[0]).toMatch(/disk is full \(ENOSPC\)/);
    expect(full.actions.join(' ')).toMatch(/free space/);
    // An agent the OOM killer took (the runner names it): still unknown, with a memory hint and action.
    const oom = classifyFailure({
      step: 'run',
      message:
        "agent was killed by signal SIGKILL: the kernel's OOM killer killed 1 process in the agent's memory cgroup while it ran, most likely the agent (out of memory)",
    });
    expect(oom.category).toBe('unknown');
    expect(oom.hints[0]).toMatch(/^out of memory/);
    expect(oom.actions[0]).toMatch(/memory limit/);
    const killed = classifyFailure({ step: 'run', message: 'agent was killed by signal SIGKILL' });
    expect(killed.hints.join(' ')).not.toMatch(/out of memory/);
    expect(killed.actions).toEqual(['read the task audit and logs']);
    // A missing binary stays a dependency problem.
    expect(classifyFailure({ step: 'spawn', message: 'spawn codex ENOENT' }).category).toBe('dependency');
  });

  it('every result has hints and actions', () => {
    for (const step of [
      'submit',
      'spawn',
      'run',
      'report',
      'timeout',
      'runner-lost',
      'runner-restarted',
      'cancel',
    ] as const) {
      const r = classifyFailure({ step, exitCode: 1, output: 'x' });
      expect(r.hints.length, step).toBeGreaterThan(0);
      expect(r.actions.length, step).toBeGreaterThan(0);
    }
  });
});

describe('redaction', () => {
  it('removes secrets before storage', () => {
    expect(redact('key sk-ant-abcdefghijklmnopqrstuv')).not.toContain('abcdefghijklmnop');
    expect(redact('Authorization: Bearer abc.def.ghijklmnop')).toContain('[REDACTED]');
    expect(redact('API_KEY=supersecretvalue1')).toBe('API_KEY=[REDACTED]');
    expect(redact('token: "ghp_0123456789abcdefghij0123"')).not.toContain('0123456789abcdef');
    expect(redact('nothing secret here')).toBe('nothing secret here');
    expect(makeRedactor(['my-own-runner-token'])('x my-own-runner-token y')).toBe('x [REDACTED] y');
  });
});
