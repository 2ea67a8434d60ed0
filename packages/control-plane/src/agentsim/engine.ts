import path from 'node:path';
import type { SimRequest, SimTool } from './request.js';
import type { SimScript, SimTurn } from './script.js';

/**
 * The pure heart of the scripted model: given a request and the script of its session, what does the
 * model answer? No I/O; the HTTP layer renders the reply as the request's API streams it.
 */
export interface SimCall {
  name: string;
  kind: SimTool['kind'];
  /** An object for function tools, a string for custom (freeform) tools. */
  input: unknown;
}

export type SimReply =
  | { kind: 'message'; turn: number; text: string; call: SimCall | null; usage: SimUsage }
  | { kind: 'error'; turn: number; status: number; message: string };

export interface SimUsage {
  input: number;
  output: number;
}

/** Scripts by session: the first marker (in insertion order) found in the request's prompt wins. */
export interface SimScripts {
  sessions: Map<string, SimScript>;
  fallback?: SimScript;
}

export function pickSession(
  req: SimRequest,
  scripts: SimScripts,
): { marker: string | null; script: SimScript } | null {
  for (const [marker, script] of scripts.sessions) {
    if (req.prompt.includes(marker)) return { marker, script };
  }
  return scripts.fallback ? { marker: null, script: scripts.fallback } : null;
}

// Tool names per API, in order of preference; the first one the request offers is used.
const WRITE_TOOLS = ['Write', 'apply_patch', 'exec_command'];
const RUN_TOOLS = ['Bash', 'exec_command'];

/** Single-quote for a POSIX shell. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** An apply_patch that adds one file (apply_patch writes every line with a trailing newline). */
export function addFilePatch(file: string, content: string): string {
  const lines = content.endsWith('\n') ? content.slice(0, -1).split('\n') : content.split('\n');
  return ['*** Begin Patch', `*** Add File: ${file}`, ...lines.map((l) => `+${l}`), '*** End Patch'].join(
    '\n',
  );
}

class TurnRefused extends Error {}

function offered(req: SimRequest, names: string[], what: string): SimTool {
  const tool = names.map((n) => req.tools.find((t) => t.name === n)).find((t) => t !== undefined);
  if (!tool) {
    const have = req.tools.map((t) => t.name).join(', ') || 'none';
    throw new TurnRefused(`no tool to ${what} among those offered (${have})`);
  }
  return tool;
}

function pathInPrompt(req: SimRequest, pattern: string): string {
  const found = new RegExp(pattern).exec(req.prompt)?.[1];
  if (!found) throw new TurnRefused(`no path matching /${pattern}/ in the prompt`);
  return found;
}

function callFor(req: SimRequest, turn: SimTurn): SimCall | null {
  if (turn.write) {
    const tool = offered(req, WRITE_TOOLS, 'write a file');
    let file = turn.write.path ?? pathInPrompt(req, turn.write.pathInPrompt ?? '');
    if (!path.isAbsolute(file)) {
      if (!req.cwd) throw new TurnRefused(`relative path ${file} and no working directory in the request`);
      file = path.join(req.cwd, file);
    }
    const content = turn.write.content;
    if (tool.name === 'Write') return { ...tool, input: { file_path: file, content } };
    if (tool.name === 'apply_patch') return { ...tool, input: addFilePatch(file, content) };
    return { ...tool, input: { cmd: `printf '%s' ${shellQuote(content)} > ${shellQuote(file)}` } };
  }
  if (turn.run !== undefined) {
    const tool = offered(req, RUN_TOOLS, 'run a command');
    const input =
      tool.name === 'Bash' ? { command: turn.run, description: 'scripted command' } : { cmd: turn.run };
    return { ...tool, input };
  }
  if (turn.tool) {
    const tool = offered(req, [turn.tool.name], `call ${turn.tool.name}`);
    return { ...tool, input: turn.tool.input };
  }
  return null;
}

const approxTokens = (chars: number) => Math.max(1, Math.ceil(chars / 4));

/**
 * The reply to `req`: turn N answers the request whose history holds N replies of ours, counted as the
 * tool results it carries plus the turns that ended in text (those a resumed session brings along).
 */
export function nextReply(req: SimRequest, script: SimScript): SimReply {
  const turnNo = req.toolResults.length + req.endedTurns;
  const turn: SimTurn = script.turns[turnNo] ?? { say: script.final ?? 'done' };
  if (turn.error)
    return { kind: 'error', turn: turnNo, status: turn.error.status, message: turn.error.message };
  let call: SimCall | null;
  try {
    call = callFor(req, turn);
  } catch (err) {
    if (!(err instanceof TurnRefused)) throw err;
    // The script cannot be played against this request: a 400 the CLI reports, named in the log.
    return { kind: 'error', turn: turnNo, status: 400, message: `agentsim turn ${turnNo}: ${err.message}` };
  }
  const text = turn.say ?? '';
  const outChars = text.length + (call ? JSON.stringify(call.input).length : 0);
  const usage = {
    input: turn.usage?.input ?? approxTokens(req.textChars),
    output: turn.usage?.output ?? approxTokens(outChars),
  };
  return { kind: 'message', turn: turnNo, text, call, usage };
}
