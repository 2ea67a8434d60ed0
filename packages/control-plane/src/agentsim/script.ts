/**
 * A script says what the scripted model does, turn by turn. Turn N is answered to the request that
 * carries N tool results (each turn makes at most one tool call), so a script is replayed the same way
 * whether the agent CLI resends the whole history (both do) or not.
 *
 *   { turns: [ { write: { path: 'a.txt', content: 'hi\n' } }, { say: 'done' } ] }
 *
 * A turn is an optional `say` (text before the call, or the final answer when alone) plus at most one
 * action: `write` a new file, `run` a shell command, an explicit `tool` call by name, or an `error` the
 * server answers with instead of a message (an HTTP status, as a provider outage would).
 */
export interface SimWrite {
  /** Absolute, or relative to the working directory the CLI states in its prompt. */
  path?: string;
  /**
   * Instead of `path`: a regular expression whose first group finds the path in the user's prompt, as
   * a model reads it off the task (the result file the agent executors name in their `# Result` section).
   */
  pathInPrompt?: string;
  content: string;
}

export interface SimToolCall {
  /** Must be one of the tools the request offers. */
  name: string;
  /** An object for function tools; a string for codex's freeform (custom) tools such as apply_patch. */
  input: unknown;
}

export interface SimTurn {
  say?: string;
  write?: SimWrite;
  run?: string;
  tool?: SimToolCall;
  error?: { status: number; message: string };
  /** Token figures to answer; by default about a quarter of the characters in and out. */
  usage?: { input?: number; output?: number };
}

export interface SimScript {
  turns: SimTurn[];
  /** Said once the turns are used up (the last turn was a tool call). Default "done". */
  final?: string;
}

const ACTIONS = ['write', 'run', 'tool', 'error'] as const;

/** Validate a script that came from outside (a JSON file, a test); returns a list of problems. */
export function scriptProblems(script: unknown): string[] {
  const problems: string[] = [];
  if (!script || typeof script !== 'object' || !Array.isArray((script as SimScript).turns)) {
    return ['a script is an object with a "turns" array'];
  }
  (script as SimScript).turns.forEach((turn, i) => {
    if (!turn || typeof turn !== 'object') return void problems.push(`turn ${i}: not an object`);
    const actions = ACTIONS.filter((a) => turn[a] !== undefined);
    if (actions.length > 1) problems.push(`turn ${i}: one action per turn, got ${actions.join(', ')}`);
    if (actions.length === 0 && typeof turn.say !== 'string') problems.push(`turn ${i}: empty turn`);
    if (turn.write) {
      const { path: p, pathInPrompt: re, content } = turn.write;
      if ((typeof p === 'string') === (typeof re === 'string') || typeof content !== 'string') {
        problems.push(`turn ${i}: write needs a string content and either path or pathInPrompt`);
      }
    }
    if (turn.run !== undefined && typeof turn.run !== 'string') problems.push(`turn ${i}: run is a string`);
    if (turn.tool && typeof turn.tool.name !== 'string') problems.push(`turn ${i}: tool needs a name`);
    if (turn.error && !(Number.isInteger(turn.error.status) && turn.error.status >= 400)) {
      problems.push(`turn ${i}: error.status must be an HTTP error status`);
    }
  });
  return problems;
}
