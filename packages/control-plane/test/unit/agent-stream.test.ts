import { describe, expect, it } from 'vitest';
import { AgentStreamParser } from '../../src/executors/agentStream.js';
import { claudeArgv, codexArgv, modelOf } from '../../src/executors/agentArgv.js';
import { agentSummary, agentVerdict, judgeAgent } from '../../src/runner/agentOutcome.js';
import type { Outcome } from '../../src/runner/decisions.js';
import { RESULT_FILE_IN_PROMPT, withResultSection } from '../../src/executors/resultSection.js';

const j = (o: unknown) => JSON.stringify(o) + '\n';

const CLAUDE_DENIED = [
  { type: 'system', subtype: 'init', session_id: 's-1', model: 'claude-x', permissionMode: 'default' },
  {
    type: 'assistant',
    session_id: 's-1',
    message: {
      id: 'm1',
      model: 'claude-x',
      content: [{ type: 'tool_use', id: 't1', name: 'Write', input: { file_path: '/w/a.txt' } }],
      usage: { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 3 },
    },
  },
  {
    type: 'user',
    message: {
      content: [{ type: 'tool_result', tool_use_id: 't1', is_error: true, content: 'not granted' }],
    },
  },
  {
    type: 'result',
    subtype: 'success',
    is_error: false,
    num_turns: 2,
    result: 'I could not write the file.',
    session_id: 's-1',
    total_cost_usd: 0.02,
    usage: { input_tokens: 30, cache_read_input_tokens: 7, cache_creation_input_tokens: 2, output_tokens: 9 },
    permission_denials: [{ tool_name: 'Write', tool_use_id: 't1', tool_input: { file_path: '/w/a.txt' } }],
    terminal_reason: 'completed',
  },
];

describe('agent stream parser', () => {
  it('claude: session, final message, turns, usage from the result, cost, denials, tool errors', () => {
    const p = new AgentStreamParser('claude');
    for (const e of CLAUDE_DENIED) p.push(j(e));
    const r = p.end();
    expect(r).toMatchObject({
      session_id: 's-1',
      model: 'claude-x',
      final_message: 'I could not write the file.',
      turns: 2,
      cost_usd: 0.02,
      usage: { input_tokens: 30, cached_input_tokens: 7, cache_creation_input_tokens: 2, output_tokens: 9 },
      permission_denials: [{ tool: 'Write', target: '/w/a.txt' }],
      tool_errors: [{ tool: 'Write', message: 'not granted' }],
      is_error: false,
      terminal_reason: 'completed',
      finished: true,
      events: 4,
      noise_lines: 0,
    });
  });

  it('reads lines split anywhere across chunks, and counts non-JSON lines as noise', () => {
    const text = 'booting…\n' + CLAUDE_DENIED.map(j).join('') + '{"truncated": \n';
    const whole = new AgentStreamParser('claude');
    whole.push(text);
    const chunked = new AgentStreamParser('claude');
    for (let i = 0; i < text.length; i += 7) chunked.push(text.slice(i, i + 7));
    expect(chunked.end()).toEqual(whole.end());
    expect(whole.summary()).toMatchObject({ noise_lines: 2, events: 4, session_id: 's-1' });
  });

  it('a last line without a newline still counts; usage without a result sums assistant messages once each', () => {
    const p = new AgentStreamParser('claude');
    const a = (id: string) => ({
      type: 'assistant',
      message: { id, content: [], usage: { input_tokens: 4, output_tokens: 1 } },
    });
    // One event per content block repeats the message's usage: counted once per message.
    p.push(j(a('m1')) + j(a('m1')) + JSON.stringify(a('m2')));
    const r = p.end();
    expect(r.usage).toMatchObject({ input_tokens: 8, output_tokens: 2 });
    expect(r.finished).toBe(false);
  });

  it('claude is_error: the error text is the result', () => {
    const p = new AgentStreamParser('claude');
    p.push(
      j({
        type: 'result',
        subtype: 'success',
        is_error: true,
        result: 'API Error: 500',
        terminal_reason: 'api_error',
      }),
    );
    expect(p.end()).toMatchObject({ is_error: true, error: 'API Error: 500', terminal_reason: 'api_error' });
  });

  it('codex: thread id, last agent message, cumulative usage, file changes, denials and tool errors', () => {
    const p = new AgentStreamParser('codex', 'gpt-5');
    const events = [
      { type: 'thread.started', thread_id: 'th-1' },
      { type: 'turn.started' },
      {
        type: 'item.completed',
        item: {
          type: 'command_execution',
          command: 'touch /x',
          aggregated_output: 'touch: /x: Read-only file system',
          exit_code: 1,
          status: 'failed',
        },
      },
      {
        type: 'item.completed',
        item: {
          type: 'command_execution',
          command: 'npm test',
          aggregated_output: 'ok',
          exit_code: 0,
          status: 'completed',
        },
      },
      {
        type: 'item.completed',
        item: { type: 'file_change', changes: [{ path: '/w/a.ts', kind: 'update' }], status: 'completed' },
      },
      { type: 'item.completed', item: { type: 'agent_message', text: 'first' } },
      { type: 'turn.completed', usage: { input_tokens: 100, cached_input_tokens: 40, output_tokens: 7 } },
      { type: 'item.completed', item: { type: 'agent_message', text: 'done' } },
      { type: 'turn.completed', usage: { input_tokens: 250, cached_input_tokens: 90, output_tokens: 20 } },
    ];
    for (const e of events) p.push(j(e));
    expect(p.end()).toMatchObject({
      session_id: 'th-1',
      model: 'gpt-5',
      final_message: 'done',
      turns: 2,
      usage: { input_tokens: 250, cached_input_tokens: 90, output_tokens: 20 },
      cost_usd: null,
      files_changed: ['/w/a.ts'],
      permission_denials: [{ tool: 'exec_command', target: 'touch /x' }],
      tool_errors: [{ tool: 'exec_command', exit_code: 1 }],
      is_error: false,
      finished: true,
    });
  });

  it('codex: turn.failed fails; an error event fails only when no completed turn follows it', () => {
    const failed = new AgentStreamParser('codex');
    failed.push(j({ type: 'turn.failed', error: { message: 'stream disconnected' } }));
    expect(failed.end()).toMatchObject({ is_error: true, error: 'stream disconnected', finished: true });

    const recovered = new AgentStreamParser('codex');
    recovered.push(
      j({ type: 'error', message: 'Reconnecting... 1/5' }) + j({ type: 'turn.completed', usage: {} }),
    );
    expect(recovered.end()).toMatchObject({
      is_error: false,
      tool_errors: [{ message: 'recovered: Reconnecting... 1/5' }],
    });

    const last = new AgentStreamParser('codex');
    last.push(j({ type: 'turn.completed', usage: {} }) + j({ type: 'error', message: '401 Unauthorized' }));
    expect(last.end()).toMatchObject({ is_error: true, error: '401 Unauthorized' });
  });
});

describe('agent verdict and outcome', () => {
  const clean: Outcome = {
    status: 'success',
    exit_code: 0,
    failure_step: null,
    message: 'agent exited with code 0',
  };
  const read = (events: unknown[], kind: 'claude' | 'codex' = 'claude') => {
    const p = new AgentStreamParser(kind);
    for (const e of events) p.push(j(e));
    return p.end();
  };

  it('denials fail a clean exit unless the role is read-only; is_error wins over denials', () => {
    const r = read(CLAUDE_DENIED);
    expect(agentVerdict(r, false)).toBe('permission-denied');
    expect(agentVerdict(r, true)).toBe('ok');
    expect(agentVerdict({ ...r, is_error: true }, false)).toBe('agent-error');
    expect(agentVerdict({ ...r, permission_denials: [], finished: false }, false)).toBe('no-result');
    const o = judgeAgent(clean, agentSummary(r, false));
    expect(o).toEqual({
      status: 'failed',
      exit_code: 0,
      failure_step: 'run',
      message: 'the agent was denied permission (exit code 0): Write /w/a.txt',
    });
    expect(judgeAgent(clean, agentSummary(r, true))).toEqual(clean);
  });

  it('never overrules a kill, and adds the agent error to a non-zero exit', () => {
    const r = agentSummary({ ...read(CLAUDE_DENIED), is_error: true, error: 'API Error' }, false);
    const timeout: Outcome = {
      status: 'failed',
      exit_code: null,
      failure_step: 'timeout',
      message: 'timed out',
    };
    const cancel: Outcome = {
      status: 'canceled',
      exit_code: null,
      failure_step: 'cancel',
      message: 'canceled',
    };
    expect(judgeAgent(timeout, r)).toEqual(timeout);
    expect(judgeAgent(cancel, r)).toEqual(cancel);
    const exit1: Outcome = {
      status: 'failed',
      exit_code: 1,
      failure_step: 'run',
      message: 'agent exited with code 1',
    };
    expect(judgeAgent(exit1, r).message).toBe('agent exited with code 1: API Error');
    expect(judgeAgent(clean, undefined)).toEqual(clean);
  });
});

describe('agent argv', () => {
  const base = { bin: 'x', prompt: '-p', extra: ['--model', 'm'], resultDir: '/a' };
  it('claude ends the options before the prompt, even one that looks like a flag', () => {
    const argv = claudeArgv({
      ...base,
      role: { allowedTools: ['Write', 'Edit'], readOnly: false, agentArgs: ['--max-turns', '3'] },
    });
    expect(argv).toEqual([
      'x',
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--add-dir',
      '/a',
      '--allowedTools',
      'Write,Edit',
      '--model',
      'm',
      '--max-turns',
      '3',
      '--',
      '-p',
    ]);
  });

  it('claude accepts edits only for a role that lists no tools: a listed role gets exactly its list', () => {
    const argv = (allowedTools: string[]) =>
      claudeArgv({ ...base, role: { allowedTools, readOnly: false, agentArgs: [] } });
    expect(argv([]).slice(5, 9)).toEqual(['--permission-mode', 'acceptEdits', '--add-dir', '/a']);
    expect(argv(['Read'])).not.toContain('--permission-mode');
    expect(argv(['Read']).slice(5, 9)).toEqual(['--add-dir', '/a', '--allowedTools', 'Read']);
  });

  it('codex: read-only role, the model named in the argv', () => {
    const argv = codexArgv({
      ...base,
      inGitRepo: true,
      role: { allowedTools: [], readOnly: true, agentArgs: [] },
    });
    expect(argv).toEqual([
      'x',
      'exec',
      '--json',
      '-s',
      'read-only',
      '--disable',
      'unbounded_connection_retries',
      '--model',
      'm',
      '--',
      '-p',
    ]);
    expect(modelOf(argv)).toBe('m');
    expect(modelOf(['-m', 'a', '--model=b', '--', '-m', 'c'])).toBe('b');
  });
});

describe('the result section the agent executors add', () => {
  it("names the attempt's result file and the handoff shape, after the task's own prompt", () => {
    const text = withResultSection('# Task\nwrite the tests', '/data/attempts/task-3-attempt-2/result.json');
    expect(text.startsWith('# Task\nwrite the tests\n\n# Result\n')).toBe(true);
    expect(text).toContain('/data/attempts/task-3-attempt-2/result.json');
    for (const key of ['"summary"', '"next_actions"', '"open_questions"', '"artifacts"'])
      expect(text).toContain(key);
    expect(new RegExp(RESULT_FILE_IN_PROMPT).exec(text)?.[1]).toBe(
      '/data/attempts/task-3-attempt-2/result.json',
    );
  });
});
