/**
 * One model request, whichever API it came in on, reduced to what the script engine and the test
 * assertions need: the tools offered, the user's prompt, the working directory the CLI states, and the
 * tool results the agent sends back.
 */
export type SimApi = 'anthropic' | 'responses';

export interface SimTool {
  name: string;
  /** `custom` = an OpenAI freeform tool (input is a raw string, e.g. codex's apply_patch). */
  kind: 'function' | 'custom';
}

export interface SimToolResult {
  callId: string;
  output: string;
  isError: boolean;
}

export interface SimRequest {
  api: SimApi;
  model: string;
  tools: SimTool[];
  /** The user's own text blocks (context blocks the CLI injects, like `<system-reminder>`, left out). */
  prompt: string;
  /** Working directory the CLI told the model about, if any. */
  cwd: string | null;
  toolResults: SimToolResult[];
  /**
   * Replies in the history that ended a turn with text alone (no tool call): a resumed session carries
   * the earlier run's final answer, so the script goes on where it stopped instead of repeating it.
   */
  endedTurns: number;
  /** Characters of text in the request: the base of the default usage figures. */
  textChars: number;
}

type Json = Record<string, unknown>;

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asObj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Text of a content value: a string, or blocks with `text`/`output`; anything else as JSON. */
function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map((b) => str(asObj(b).text) || str(asObj(b).output)).join('');
  return v === undefined || v === null ? '' : JSON.stringify(v);
}

// A whole block that is one tag, e.g. `<system-reminder>…</system-reminder>`: context the CLI adds.
const CONTEXT_BLOCK = /^\s*<([A-Za-z_][\w-]*)[^>]*>[\s\S]*<\/\1>\s*$/;
const CWD_PATTERNS = [/Primary working directory: (\S+)/, /<cwd>([^<]+)<\/cwd>/];

function findCwd(allText: string): string | null {
  for (const re of CWD_PATTERNS) {
    const m = re.exec(allText);
    if (m) return m[1]!;
  }
  return null;
}

function promptOf(texts: string[]): string {
  return texts.filter((t) => !CONTEXT_BLOCK.test(t)).join('\n');
}

export function parseAnthropicRequest(body: unknown): SimRequest {
  const b = asObj(body);
  const userTexts: string[] = [];
  const allTexts: string[] = [textOf(b.system)];
  const toolResults: SimToolResult[] = [];
  let endedTurns = 0;
  for (const msg of asArray(b.messages)) {
    const m = asObj(msg);
    const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : asArray(m.content);
    if (m.role === 'assistant' && !blocks.some((blk) => asObj(blk).type === 'tool_use')) endedTurns++;
    for (const block of blocks.map(asObj)) {
      if (block.type === 'text') allTexts.push(str(block.text));
      if (m.role === 'user' && block.type === 'text') userTexts.push(str(block.text));
      if (block.type === 'tool_result') {
        const output = textOf(block.content);
        toolResults.push({ callId: str(block.tool_use_id), output, isError: block.is_error === true });
        allTexts.push(output);
      }
    }
  }
  const all = allTexts.join('\n');
  return {
    api: 'anthropic',
    model: str(b.model),
    tools: asArray(b.tools).map((t) => ({ name: str(asObj(t).name), kind: 'function' as const })),
    prompt: promptOf(userTexts),
    cwd: findCwd(all),
    toolResults,
    endedTurns,
    textChars: all.length,
  };
}

const CALL_ITEMS = new Set(['function_call', 'custom_tool_call']);

export function parseResponsesRequest(body: unknown): SimRequest {
  const b = asObj(body);
  const userTexts: string[] = [];
  const allTexts: string[] = [str(b.instructions)];
  const toolResults: SimToolResult[] = [];
  let endedTurns = 0;
  const items = asArray(b.input).map(asObj);
  items.forEach((item, i) => {
    // One reply of ours is a message item, a call item, or a message followed by its call item.
    if (item.role === 'assistant' && !CALL_ITEMS.has(str(items[i + 1]?.type))) endedTurns++;
    if (item.type === 'message' || (item.type === undefined && item.role)) {
      const texts = asArray(item.content).map((c) => str(asObj(c).text));
      if (typeof item.content === 'string') texts.push(item.content);
      allTexts.push(...texts);
      if (item.role === 'user') userTexts.push(...texts);
    }
    if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') {
      const output = textOf(item.output);
      toolResults.push({ callId: str(item.call_id), output, isError: false });
      allTexts.push(output);
    }
  });
  const tools = asArray(b.tools)
    .map(asObj)
    .filter((t) => t.type === 'function' || t.type === 'custom')
    .map((t) => ({ name: str(t.name), kind: t.type as SimTool['kind'] }));
  const all = allTexts.join('\n');
  return {
    api: 'responses',
    model: str(b.model),
    tools,
    prompt: promptOf(userTexts),
    cwd: findCwd(all),
    toolResults,
    endedTurns,
    textChars: all.length,
  };
}
