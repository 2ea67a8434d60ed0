import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgentSim, type AgentSim } from '../../src/agentsim/index.js';

/** The scripted model server over a real loopback socket, without the agent CLIs. */
let sim: AgentSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const payload =
    headers['content-encoding'] === 'gzip' ? zlib.gzipSync(JSON.stringify(body)) : JSON.stringify(body);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: payload,
  });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/** SSE text → [event, data] pairs; checks each data's `type` repeats its event name. */
function sse(text: string): Array<[string, any]> {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((chunk) => {
      const event = /^event: (.*)$/m.exec(chunk)![1]!;
      const data = JSON.parse(/^data: (.*)$/m.exec(chunk)![1]!);
      expect(data.type).toBe(event);
      return [event, data];
    });
}

const claudeBody = (prompt: string, results = 0) => ({
  model: 'claude-test',
  stream: true,
  tools: [{ name: 'Write' }],
  system: 'Primary working directory: /w',
  messages: [
    { role: 'user', content: prompt },
    ...Array.from({ length: results }, (_, i) => ({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: `t${i}`, content: 'ok' }],
    })),
  ],
});

describe('agentsim server', () => {
  it('streams an Anthropic tool_use turn, then an end_turn, and records both', async () => {
    sim = await startAgentSim({
      scripts: {
        'MARK-1': { turns: [{ say: 'writing', write: { path: 'a.txt', content: 'A' } }, { say: 'fin' }] },
      },
    });
    const first = await post(`${sim.url}/v1/messages?beta=true`, claudeBody('do it MARK-1'));
    expect([first.status, first.type]).toEqual([200, 'text/event-stream']);
    const events = sse(first.text);
    expect(events.map(([e]) => e)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[4]![1].content_block).toMatchObject({ type: 'tool_use', name: 'Write', input: {} });
    expect(JSON.parse(events[5]![1].delta.partial_json)).toEqual({ file_path: '/w/a.txt', content: 'A' });
    expect(events[7]![1].delta.stop_reason).toBe('tool_use');

    const second = sse((await post(`${sim.url}/v1/messages`, claudeBody('do it MARK-1', 1))).text);
    expect(second.find(([e]) => e === 'content_block_delta')![1].delta).toEqual({
      type: 'text_delta',
      text: 'fin',
    });
    expect(second.find(([e]) => e === 'message_delta')![1].delta.stop_reason).toBe('end_turn');

    expect(sim.requests('MARK-1').map((r) => [r.turn, r.call, r.text, r.cwd])).toEqual([
      [0, 'Write', 'writing', '/w'],
      [1, null, 'fin', '/w'],
    ]);
  });

  it('streams Responses items: custom_tool_call for apply_patch, function_call, message, completed with usage', async () => {
    sim = await startAgentSim({
      fallback: { turns: [{ write: { path: '/abs/b.txt', content: 'B\n' } }, { run: 'ls' }, { say: 'ok' }] },
    });
    const body = (results: number) => ({
      model: 'gpt-test',
      tools: [
        { type: 'function', name: 'exec_command' },
        { type: 'custom', name: 'apply_patch' },
      ],
      input: [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'go' }] },
        ...Array.from({ length: results }, (_, i) => ({
          type: 'function_call_output',
          call_id: `c${i}`,
          output: 'x',
        })),
      ],
    });
    const items = async (results: number) =>
      sse((await post(`${sim!.openaiBaseUrl}/responses`, body(results))).text);
    const patch = await items(0);
    expect(patch.map(([e]) => e)).toEqual([
      'response.created',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(patch[1]![1].item).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch' });
    expect(patch[1]![1].item.input).toContain('*** Add File: /abs/b.txt\n+B\n');
    expect(patch[2]![1].response).toMatchObject({
      id: expect.any(String),
      usage: { input_tokens: expect.any(Number) },
    });
    const exec = await items(1);
    expect(exec[1]![1].item).toMatchObject({
      type: 'function_call',
      name: 'exec_command',
      arguments: '{"cmd":"ls"}',
    });
    const done = await items(2);
    expect(done[1]![1].item).toMatchObject({
      type: 'message',
      content: [{ type: 'output_text', text: 'ok' }],
    });
  });

  it('keeps sessions apart by marker and answers an unknown prompt with a 400 that lists the markers', async () => {
    sim = await startAgentSim({ scripts: { 'MARK-X': { turns: [{ say: 'x' }] } } });
    sim.script('MARK-Y', { turns: [{ say: 'y' }] });
    const say = async (prompt: string) =>
      sse((await post(`${sim!.url}/v1/messages`, claudeBody(prompt))).text)[2]![1];
    expect((await say('MARK-Y please')).delta.text).toBe('y');
    expect((await say('MARK-X please')).delta.text).toBe('x');
    const none = await post(`${sim.url}/v1/messages`, claudeBody('no marker'));
    expect(none.status).toBe(400);
    expect(JSON.parse(none.text).error.message).toContain('MARK-X, MARK-Y');
    expect(sim.requests().map((r) => r.session)).toEqual(['MARK-Y', 'MARK-X', null]);
  });

  it('answers a scripted error status, reads gzip bodies, and records requests it has no route for', async () => {
    sim = await startAgentSim({ fallback: { turns: [{ error: { status: 529, message: 'overloaded' } }] } });
    const outage = await post(`${sim.url}/v1/messages`, claudeBody('hi'), { 'content-encoding': 'gzip' });
    expect(outage.status).toBe(529);
    expect(JSON.parse(outage.text)).toEqual({
      type: 'error',
      error: { type: 'api_error', message: 'overloaded' },
    });
    expect((await fetch(`${sim.url}/v1/models`)).status).toBe(404);
    expect(
      (await post(`${sim.url}/v1/messages`, claudeBody('hi'), { 'content-encoding': 'zstd' })).status,
    ).toBe(400);
    expect(sim.requests().map((r) => [r.method, r.url, r.status, r.prompt])).toEqual([
      ['POST', '/v1/messages', 529, 'hi'],
      ['GET', '/v1/models', 404, ''],
      ['POST', '/v1/messages', 400, ''],
    ]);
  });

  it('refuses a bad script up front', async () => {
    await expect(startAgentSim({ scripts: { M: { turns: [{}] } } })).rejects.toThrow('turn 0: empty turn');
  });
});
