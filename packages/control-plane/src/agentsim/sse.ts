import type { SimReply } from './engine.js';

/**
 * Render a reply as the Server-Sent Events each API streams. Pure: ids come from the caller, so the
 * same reply renders the same bytes. Only the events both CLIs need are sent (see docs/agents-offline.md).
 */
export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

export type SimMessageReply = Extract<SimReply, { kind: 'message' }>;

export function sseText(events: SseEvent[]): string {
  return events
    .map((e) => `event: ${e.event}\ndata: ${JSON.stringify({ type: e.event, ...e.data })}\n\n`)
    .join('');
}

/** Anthropic Messages API, `stream: true`. */
export function anthropicEvents(reply: SimMessageReply, model: string, id: string): SseEvent[] {
  const events: SseEvent[] = [];
  const ev = (event: string, data: Record<string, unknown> = {}) => events.push({ event, data });
  ev('message_start', {
    message: {
      id: `msg_${id}`,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: reply.usage.input,
        output_tokens: 1,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    },
  });
  let index = 0;
  if (reply.text || !reply.call) {
    ev('content_block_start', { index, content_block: { type: 'text', text: '' } });
    ev('content_block_delta', { index, delta: { type: 'text_delta', text: reply.text } });
    ev('content_block_stop', { index });
    index++;
  }
  if (reply.call) {
    const block = { type: 'tool_use', id: `toolu_${id}`, name: reply.call.name, input: {} };
    ev('content_block_start', { index, content_block: block });
    const json = JSON.stringify(reply.call.input);
    ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: json } });
    ev('content_block_stop', { index });
  }
  ev('message_delta', {
    delta: { stop_reason: reply.call ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { output_tokens: reply.usage.output },
  });
  ev('message_stop');
  return events;
}

/** OpenAI Responses API, `stream: true`: each output item whole, then `response.completed`. */
export function responsesEvents(reply: SimMessageReply, model: string, id: string): SseEvent[] {
  const items: Record<string, unknown>[] = [];
  if (reply.text || !reply.call) {
    items.push({
      type: 'message',
      id: `msg_${id}`,
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: reply.text, annotations: [] }],
    });
  }
  const call = reply.call;
  if (call?.kind === 'custom') {
    const input = typeof call.input === 'string' ? call.input : JSON.stringify(call.input);
    items.push({
      type: 'custom_tool_call',
      id: `ctc_${id}`,
      call_id: `call_${id}`,
      name: call.name,
      input,
      status: 'completed',
    });
  } else if (call) {
    const args = JSON.stringify(call.input);
    items.push({
      type: 'function_call',
      id: `fc_${id}`,
      call_id: `call_${id}`,
      name: call.name,
      arguments: args,
      status: 'completed',
    });
  }
  const response = { id: `resp_${id}`, object: 'response', model, status: 'in_progress', output: [] };
  const usage = {
    input_tokens: reply.usage.input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: reply.usage.output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: reply.usage.input + reply.usage.output,
  };
  return [
    { event: 'response.created', data: { response } },
    ...items.map((item, output_index) => ({
      event: 'response.output_item.done',
      data: { output_index, item },
    })),
    {
      event: 'response.completed',
      data: { response: { ...response, status: 'completed', output: items, usage } },
    },
  ];
}

/** The JSON error body each API answers with a non-2xx status. */
export function errorBody(api: 'anthropic' | 'responses', message: string): Record<string, unknown> {
  return api === 'anthropic'
    ? { type: 'error', error: { type: 'api_error', message } }
    : { error: { type: 'server_error', message, code: null, param: null } };
}
