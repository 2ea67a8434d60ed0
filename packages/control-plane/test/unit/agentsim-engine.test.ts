import { describe, expect, it } from 'vitest';
import {
  addFilePatch,
  nextReply,
  pickSession,
  shellQuote,
  type SimReply,
} from '../../src/agentsim/engine.js';
import { parseAnthropicRequest, parseResponsesRequest, type SimRequest } from '../../src/agentsim/request.js';
import { scriptProblems, type SimScript } from '../../src/agentsim/script.js';

/** Request bodies shaped like the ones claude 2.1.332 and codex 0.171.0 send (trimmed). */
function claudeBody(toolResults: Array<{ id: string; text: string; error?: boolean }> = []) {
  return {
    model: 'claude-opus-5-5',
    stream: true,
    system: [{ type: 'text', text: 'You are a Claude agent.' }],
    tools: [{ name: 'Bash' }, { name: 'Edit' }, { name: 'Write' }],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: '<system-reminder>\ngit status: clean\n</system-reminder>' },
          { type: 'text', text: 'Write hello.txt MARK-A' },
        ],
      },
      {
        role: 'system',
        content: [
          { type: 'text', text: '# Environment\n - Primary working directory: /w/repo\n - Platform: linux' },
        ],
      },
      ...toolResults.flatMap((r) => [
        { role: 'assistant', content: [{ type: 'tool_use', id: r.id, name: 'Write', input: {} }] },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: r.id, content: r.text, is_error: r.error ?? false }],
        },
      ]),
    ],
  };
}

function codexBody(
  results: Array<{ id: string; text: string }> = [],
  tools = ['exec_command', 'apply_patch'],
) {
  return {
    model: 'gpt-5.5',
    stream: true,
    store: false,
    tools: tools.map((name) =>
      name === 'apply_patch' ? { type: 'custom', name } : { type: 'function', name, parameters: {} },
    ),
    input: [
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'You are Codex.' }] },
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: '<environment_context>\n  <cwd>/x/repo</cwd>\n</environment_context>' },
        ],
      },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Write it MARK-B' }] },
      ...results.flatMap((r) => [
        { type: 'custom_tool_call', call_id: r.id, name: 'apply_patch', input: '' },
        { type: 'custom_tool_call_output', call_id: r.id, output: r.text },
      ]),
    ],
  };
}

const write: SimScript = {
  turns: [{ write: { path: 'hello.txt', content: 'hi\nthere\n' } }, { say: 'done it' }],
};
const message = (r: SimReply) => {
  if (r.kind !== 'message') throw new Error(`expected a message, got ${JSON.stringify(r)}`);
  return r;
};

describe('agentsim request parsing', () => {
  it('reads claude: tools, the prompt without injected context, the cwd, tool results', () => {
    const req = parseAnthropicRequest(claudeBody([{ id: 't1', text: 'File created', error: true }]));
    expect(req).toMatchObject({
      api: 'anthropic',
      model: 'claude-opus-5-5',
      prompt: 'Write hello.txt MARK-A',
      cwd: '/w/repo',
      toolResults: [{ callId: 't1', output: 'File created', isError: true }],
    });
    expect(req.tools.map((t) => t.name)).toEqual(['Bash', 'Edit', 'Write']);
  });

  it('reads codex: function and custom tools, the prompt, the cwd, tool outputs', () => {
    const req = parseResponsesRequest(codexBody([{ id: 'c1', text: 'Success.' }]));
    expect(req).toMatchObject({
      api: 'responses',
      prompt: 'Write it MARK-B',
      cwd: '/x/repo',
      toolResults: [{ callId: 'c1', output: 'Success.', isError: false }],
    });
    expect(req.tools).toEqual([
      { name: 'exec_command', kind: 'function' },
      { name: 'apply_patch', kind: 'custom' },
    ]);
  });

  it('tolerates bodies it does not know: no tools, no prompt, no cwd', () => {
    expect(parseAnthropicRequest({})).toMatchObject({ tools: [], prompt: '', cwd: null, toolResults: [] });
    expect(parseResponsesRequest(null)).toMatchObject({ tools: [], prompt: '', cwd: null, toolResults: [] });
  });
});

describe('agentsim script engine', () => {
  const claude = (n: number) =>
    parseAnthropicRequest(claudeBody(Array.from({ length: n }, (_, i) => ({ id: `t${i}`, text: 'ok' }))));
  const codex = (n: number, tools?: string[]) =>
    parseResponsesRequest(
      codexBody(
        Array.from({ length: n }, (_, i) => ({ id: `c${i}`, text: 'ok' })),
        tools,
      ),
    );

  it('turn N answers the request carrying N tool results, then the final word', () => {
    expect(message(nextReply(claude(0), write)).call?.name).toBe('Write');
    expect(message(nextReply(claude(1), write))).toMatchObject({ turn: 1, text: 'done it', call: null });
    expect(message(nextReply(claude(2), write))).toMatchObject({ turn: 2, text: 'done', call: null });
    expect(message(nextReply(claude(2), { ...write, final: 'bye' })).text).toBe('bye');
  });

  it('a resumed session brings its ended turns along: the script goes on after them', () => {
    const body = claudeBody([{ id: 't0', text: 'ok' }]);
    body.messages.push(
      { role: 'assistant', content: [{ type: 'text', text: 'first run done' }] },
      { role: 'user', content: [{ type: 'text', text: 'and now' }] },
    );
    const resumed = parseAnthropicRequest(body);
    expect([resumed.toolResults.length, resumed.endedTurns]).toEqual([1, 1]);
    expect(message(nextReply(resumed, { turns: [{ say: '0' }, { say: '1' }, { say: '2' }] })).text).toBe('2');

    const items = codexBody([{ id: 'c0', text: 'ok' }]).input as Array<Record<string, unknown>>;
    items.splice(3, 0, { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'w' }] });
    items.push(
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'done' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'again' }] },
    );
    // The first assistant message came with its call (same reply); only the second ended a turn.
    const codexResumed = parseResponsesRequest({ ...codexBody(), input: items });
    expect([codexResumed.toolResults.length, codexResumed.endedTurns]).toEqual([1, 1]);
    expect(codexResumed.prompt).toBe('Write it MARK-B\nagain');
  });

  it('claude writes with Write and an absolute path resolved against the stated cwd', () => {
    expect(message(nextReply(claude(0), write)).call).toEqual({
      name: 'Write',
      kind: 'function',
      input: { file_path: '/w/repo/hello.txt', content: 'hi\nthere\n' },
    });
  });

  it('codex writes with apply_patch, or with exec_command when apply_patch is not offered', () => {
    expect(message(nextReply(codex(0), write)).call).toEqual({
      name: 'apply_patch',
      kind: 'custom',
      input: '*** Begin Patch\n*** Add File: /x/repo/hello.txt\n+hi\n+there\n*** End Patch',
    });
    expect(message(nextReply(codex(0, ['exec_command']), write)).call).toEqual({
      name: 'exec_command',
      kind: 'function',
      input: { cmd: `printf '%s' 'hi\nthere\n' > '/x/repo/hello.txt'` },
    });
  });

  it('an absolute path is used as given', () => {
    const abs: SimScript = { turns: [{ write: { path: '/elsewhere/a.txt', content: 'a' } }] };
    expect(message(nextReply(claude(0), abs)).call?.input).toMatchObject({ file_path: '/elsewhere/a.txt' });
  });

  it('pathInPrompt reads the path off the prompt (a turn whose pattern finds nothing is refused)', () => {
    const found: SimScript = { turns: [{ write: { pathInPrompt: 'Write (\\S+) MARK', content: 'x' } }] };
    expect(message(nextReply(claude(0), found)).call?.input).toMatchObject({
      file_path: '/w/repo/hello.txt',
    });
    const missing: SimScript = { turns: [{ write: { pathInPrompt: 'result to (\\S+)', content: 'x' } }] };
    expect(nextReply(claude(0), missing)).toMatchObject({
      kind: 'error',
      status: 400,
      message: 'agentsim turn 0: no path matching /result to (\\S+)/ in the prompt',
    });
  });

  it('run uses Bash for claude and exec_command for codex; say travels with the call', () => {
    const run: SimScript = { turns: [{ say: 'listing', run: 'ls -la' }] };
    expect(message(nextReply(claude(0), run))).toMatchObject({
      text: 'listing',
      call: { name: 'Bash', input: { command: 'ls -la' } },
    });
    expect(message(nextReply(codex(0), run)).call).toMatchObject({
      name: 'exec_command',
      input: { cmd: 'ls -la' },
    });
  });

  it('an explicit tool call keeps its input and takes its kind from the offer', () => {
    const edit: SimScript = {
      turns: [{ tool: { name: 'Edit', input: { file_path: '/a', old_string: 'x' } } }],
    };
    expect(message(nextReply(claude(0), edit)).call).toEqual({
      name: 'Edit',
      kind: 'function',
      input: { file_path: '/a', old_string: 'x' },
    });
  });

  it('a turn the request cannot serve is a 400 that names what is missing', () => {
    const rm: SimScript = { turns: [{ tool: { name: 'Delete', input: {} } }] };
    expect(nextReply(claude(0), rm)).toEqual({
      kind: 'error',
      turn: 0,
      status: 400,
      message: 'agentsim turn 0: no tool to call Delete among those offered (Bash, Edit, Write)',
    });
    const nocwd: SimRequest = { ...claude(0), cwd: null };
    expect(nextReply(nocwd, write)).toMatchObject({ kind: 'error', status: 400 });
  });

  it('an error turn answers the scripted status', () => {
    const outage: SimScript = { turns: [{ error: { status: 529, message: 'overloaded' } }] };
    expect(nextReply(claude(0), outage)).toEqual({
      kind: 'error',
      turn: 0,
      status: 529,
      message: 'overloaded',
    });
  });

  it('usage: scripted figures win, else about a quarter of the characters', () => {
    const pinned: SimScript = { turns: [{ say: 'x', usage: { input: 7, output: 3 } }] };
    expect(message(nextReply(claude(0), pinned)).usage).toEqual({ input: 7, output: 3 });
    const req = claude(0);
    expect(message(nextReply(req, { turns: [{ say: 'abcdefgh' }] })).usage).toEqual({
      input: Math.ceil(req.textChars / 4),
      output: 2,
    });
  });

  it('sessions: the first marker in the prompt picks the script, else the fallback, else none', () => {
    const a: SimScript = { turns: [{ say: 'a' }] };
    const b: SimScript = { turns: [{ say: 'b' }] };
    const sessions = new Map([
      ['MARK-B', b],
      ['MARK-A', a],
    ]);
    expect(pickSession(claude(0), { sessions })).toEqual({ marker: 'MARK-A', script: a });
    expect(pickSession(codex(0), { sessions })).toEqual({ marker: 'MARK-B', script: b });
    // A marker that appears only in injected context does not count.
    expect(pickSession(claude(0), { sessions: new Map([['git status', a]]) })).toBeNull();
    expect(pickSession(claude(0), { sessions: new Map(), fallback: b })).toEqual({ marker: null, script: b });
  });
});

describe('agentsim script helpers', () => {
  it('scriptProblems names each bad turn', () => {
    expect(scriptProblems(write)).toEqual([]);
    expect(scriptProblems({})).toEqual(['a script is an object with a "turns" array']);
    expect(
      scriptProblems({
        turns: [
          {},
          { run: 'ls', write: { path: 'a', content: 'b' } },
          { error: { status: 200, message: '' } },
          { write: { path: 'a', pathInPrompt: 'b (.+)', content: 'c' } },
        ],
      }),
    ).toEqual([
      'turn 0: empty turn',
      'turn 1: one action per turn, got write, run',
      'turn 2: error.status must be an HTTP error status',
      'turn 3: write needs a string content and either path or pathInPrompt',
    ]);
  });

  it('addFilePatch prefixes every line; a missing final newline is the same patch', () => {
    expect(addFilePatch('/a', 'x\n\ny\n')).toBe(
      '*** Begin Patch\n*** Add File: /a\n+x\n+\n+y\n*** End Patch',
    );
    expect(addFilePatch('/a', 'x')).toBe(addFilePatch('/a', 'x\n'));
  });

  it('shellQuote survives single quotes', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
