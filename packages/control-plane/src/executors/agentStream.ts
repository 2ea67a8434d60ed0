/**
 * Reads the event stream of a coding agent (pure, no I/O): claude `--output-format stream-json
 * --verbose` and codex `exec --json` both print one JSON event per line on stdout. Output arrives in
 * chunks that split lines anywhere, so partial lines are buffered; lines that are not JSON objects
 * (a banner, a warning, a truncated line) are counted as noise and otherwise ignored.
 */
import type { AgentPermissionDenial, AgentSummary, AgentToolError, AgentUsage } from '@multyagents/contracts';

export type AgentKind = AgentSummary['agent'];
/** The summary before the runner's verdict (decisions.ts `agentVerdict`). */
export type AgentReading = Omit<AgentSummary, 'verdict'> & {
  /** True once the agent's closing event was seen (claude `result`, codex `turn.completed|failed`). */
  finished: boolean;
};

const MAX_LINE = 4 * 1024 * 1024;
const MAX_LIST = 200;
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const int = (v: unknown): number =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : 0;

/** Tool outputs that say the sandbox or the file system refused a write. */
const DENIED_OUTPUT = /(Read-only file system|Operation not permitted|Permission denied|EACCES|EROFS)/i;

/** What is known of an agent before any of its events: nothing but its kind (and model, if given). */
export function emptyReading(kind: AgentKind, model: string | null = null): AgentReading {
  return {
    agent: kind,
    session_id: null,
    model,
    final_message: null,
    turns: null,
    usage: null,
    cost_usd: null,
    permission_denials: [],
    tool_errors: [],
    files_changed: [],
    is_error: false,
    error: null,
    terminal_reason: null,
    events: 0,
    noise_lines: 0,
    finished: false,
  };
}

export class AgentStreamParser {
  private buf = '';
  private readonly r: AgentReading;
  /** claude: usage of each assistant message (one event per content block repeats it). */
  private readonly msgUsage = new Map<string, AgentUsage>();
  private resultUsage: AgentUsage | null = null;
  /** claude: tool names by tool_use id, to name the tool of a failed tool_result. */
  private readonly toolNames = new Map<string, string>();
  /** codex: an `error` event not followed by a completed turn (a reconnect notice that recovered is). */
  private pendingError: string | null = null;

  constructor(kind: AgentKind, model: string | null = null) {
    this.r = emptyReading(kind, model);
  }

  /** The session/thread id read so far (claude `system/init`, codex `thread.started`). */
  get sessionId(): string | null {
    return this.r.session_id;
  }

  /** One chunk of stdout, split anywhere. */
  push(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      this.line(line);
    }
    if (this.buf.length > MAX_LINE) {
      this.r.noise_lines++;
      this.buf = '';
    }
  }

  /** The stream ended: a last line without a newline still counts. */
  end(): AgentReading {
    if (this.buf.trim()) this.line(this.buf);
    this.buf = '';
    return this.summary();
  }

  summary(): AgentReading {
    const usage = this.resultUsage ?? sumUsage([...this.msgUsage.values()]);
    const failed = this.pendingError !== null && !this.r.is_error;
    return failed ? { ...this.r, usage, is_error: true, error: this.pendingError } : { ...this.r, usage };
  }

  line(raw: string): void {
    const text = raw.trim();
    if (!text) return;
    let ev: Obj | null = null;
    if (text.startsWith('{')) {
      try {
        ev = obj(JSON.parse(text));
      } catch {
        ev = null;
      }
    }
    if (!ev || typeof ev.type !== 'string') {
      this.r.noise_lines++;
      return;
    }
    this.r.events++;
    if (this.r.agent === 'claude') this.claude(ev);
    else this.codex(ev);
  }

  private claude(ev: Obj): void {
    const session = str(ev.session_id);
    if (session) this.r.session_id = session;
    if (ev.type === 'system' && ev.subtype === 'init') {
      this.r.model = str(ev.model) ?? this.r.model;
    } else if (ev.type === 'assistant') {
      const msg = obj(ev.message);
      if (!msg) return;
      this.r.model = str(msg.model) ?? this.r.model;
      const usage = claudeUsage(msg.usage);
      if (usage) this.msgUsage.set(str(msg.id) ?? `#${this.msgUsage.size}`, usage);
      for (const block of Array.isArray(msg.content) ? msg.content : []) {
        const b = obj(block);
        if (b?.type === 'tool_use' && typeof b.id === 'string') this.toolNames.set(b.id, str(b.name) ?? '?');
      }
    } else if (ev.type === 'user') {
      const content = obj(ev.message)?.content;
      for (const block of Array.isArray(content) ? content : []) {
        const b = obj(block);
        if (b?.type !== 'tool_result' || b.is_error !== true) continue;
        const tool = this.toolNames.get(str(b.tool_use_id) ?? '') ?? '?';
        this.toolError({ tool, message: clip(resultText(b.content), 2000) });
      }
    } else if (ev.type === 'result') {
      this.r.finished = true;
      this.r.is_error = ev.is_error === true;
      this.r.turns = typeof ev.num_turns === 'number' ? int(ev.num_turns) : this.r.turns;
      const result = str(ev.result);
      if (result !== null) this.r.final_message = clip(result, 100_000);
      if (this.r.is_error) this.r.error = clip(result ?? str(ev.subtype) ?? 'is_error', 10_000);
      else if (typeof ev.subtype === 'string' && ev.subtype !== 'success')
        this.r.error = clip(ev.subtype, 10_000);
      if (typeof ev.total_cost_usd === 'number' && ev.total_cost_usd >= 0)
        this.r.cost_usd = ev.total_cost_usd;
      this.resultUsage = claudeUsage(ev.usage) ?? this.resultUsage;
      this.r.terminal_reason = str(ev.terminal_reason) ?? this.r.terminal_reason;
      for (const d of Array.isArray(ev.permission_denials) ? ev.permission_denials : []) {
        const o = obj(d);
        if (o) this.denial({ tool: str(o.tool_name) ?? '?', target: targetOf(obj(o.tool_input)) });
      }
    }
  }

  private codex(ev: Obj): void {
    switch (ev.type) {
      case 'thread.started':
        this.r.session_id = str(ev.thread_id) ?? this.r.session_id;
        return;
      case 'turn.completed': {
        this.r.finished = true;
        this.r.turns = (this.r.turns ?? 0) + 1;
        if (this.pendingError) this.toolError({ tool: 'codex', message: `recovered: ${this.pendingError}` });
        this.pendingError = null;
        // Cumulative over the whole thread: the last one is the total.
        const u = obj(ev.usage);
        if (u)
          this.resultUsage = {
            input_tokens: int(u.input_tokens),
            cached_input_tokens: int(u.cached_input_tokens),
            cache_creation_input_tokens: 0,
            output_tokens: int(u.output_tokens),
          };
        return;
      }
      case 'turn.failed':
        this.r.finished = true;
        this.r.turns = (this.r.turns ?? 0) + 1;
        this.fail(str(obj(ev.error)?.message) ?? 'turn failed');
        return;
      case 'error':
        this.pendingError = clip(str(ev.message) ?? 'error', 10_000);
        return;
      case 'item.completed':
        this.codexItem(obj(ev.item));
        return;
    }
  }

  private codexItem(item: Obj | null): void {
    if (!item) return;
    if (item.type === 'agent_message') {
      const text = str(item.text);
      if (text !== null) this.r.final_message = clip(text, 100_000);
    } else if (item.type === 'command_execution') {
      const command = str(item.command) ?? '?';
      const exit = typeof item.exit_code === 'number' ? item.exit_code : null;
      const output = str(item.aggregated_output) ?? '';
      if (item.status === 'declined' || (exit !== 0 && exit !== null && DENIED_OUTPUT.test(output))) {
        this.denial({ tool: 'exec_command', target: clip(command, 4096) });
      }
      if (item.status === 'failed' || item.status === 'declined' || (exit !== null && exit !== 0)) {
        const last = output.trim().split('\n').slice(-1)[0] ?? '';
        this.toolError({ tool: 'exec_command', message: clip(`${command}: ${last}`, 2000), exit_code: exit });
      }
    } else if (item.type === 'file_change') {
      const changes = Array.isArray(item.changes) ? item.changes : [];
      const paths = changes.map((c) => str(obj(c)?.path)).filter((p): p is string => p !== null);
      if (item.status === 'failed') {
        for (const p of paths.length ? paths : [null]) this.denial({ tool: 'apply_patch', target: p });
      } else {
        for (const p of paths)
          if (!this.r.files_changed.includes(p) && this.r.files_changed.length < 500)
            this.r.files_changed.push(p);
      }
    } else if (item.type === 'error') {
      this.toolError({ tool: 'codex', message: clip(str(item.message) ?? 'error', 2000) });
    }
  }

  private fail(message: string): void {
    this.r.is_error = true;
    this.r.error = clip(message, 10_000);
  }

  private denial(d: AgentPermissionDenial): void {
    if (this.r.permission_denials.length < MAX_LIST) this.r.permission_denials.push(d);
  }

  private toolError(e: AgentToolError): void {
    if (this.r.tool_errors.length < MAX_LIST) this.r.tool_errors.push(e);
  }
}

function claudeUsage(v: unknown): AgentUsage | null {
  const u = obj(v);
  if (!u) return null;
  return {
    input_tokens: int(u.input_tokens),
    cached_input_tokens: int(u.cache_read_input_tokens),
    cache_creation_input_tokens: int(u.cache_creation_input_tokens),
    output_tokens: int(u.output_tokens),
  };
}

function sumUsage(list: AgentUsage[]): AgentUsage | null {
  if (!list.length) return null;
  const out: AgentUsage = {
    input_tokens: 0,
    cached_input_tokens: 0,
    cache_creation_input_tokens: 0,
    output_tokens: 0,
  };
  for (const u of list) for (const k of Object.keys(out) as (keyof AgentUsage)[]) out[k] += u[k];
  return out;
}

/** The file or command a denied claude tool call was aimed at. */
function targetOf(input: Obj | null): string | null {
  if (!input) return null;
  for (const k of ['file_path', 'notebook_path', 'path', 'command', 'url', 'pattern']) {
    const v = str(input[k]);
    if (v) return clip(v, 4096);
  }
  return null;
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((c) => str(obj(c)?.text) ?? '')
      .filter(Boolean)
      .join('\n');
  return 'tool error';
}
