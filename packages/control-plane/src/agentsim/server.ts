import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { nextReply, pickSession, type SimScripts } from './engine.js';
import {
  parseAnthropicRequest,
  parseResponsesRequest,
  type SimApi,
  type SimRequest,
  type SimToolResult,
} from './request.js';
import { scriptProblems, type SimScript } from './script.js';
import { anthropicEvents, errorBody, responsesEvents, sseText } from './sse.js';

/**
 * The scripted model server: Anthropic Messages (`POST /v1/messages`) and OpenAI Responses
 * (`POST /v1/responses`) on 127.0.0.1, always streaming, answering from scripts (./engine.ts).
 * Every request is recorded, including ones it does not understand, so tests can prove what the
 * agent saw and that nothing else was asked of it.
 */
export interface AgentSimRecord {
  seq: number;
  method: string;
  url: string;
  /** The Host header: a request meant for a vendor host would show it here. */
  host: string;
  api: SimApi | null;
  /** The marker of the script that answered, null for the fallback or when none matched. */
  session: string | null;
  turn: number | null;
  tools: string[];
  prompt: string;
  cwd: string | null;
  toolResults: SimToolResult[];
  status: number;
  /** The tool the reply called, if any. */
  call: string | null;
  /** The text the reply said, or the error message. */
  text: string;
}

export interface AgentSim {
  /** `http://127.0.0.1:PORT`: claude's ANTHROPIC_BASE_URL. */
  url: string;
  /** `http://127.0.0.1:PORT/v1`: codex's provider base_url. */
  openaiBaseUrl: string;
  port: number;
  /** Add or replace the script of the session whose prompt contains `marker`. */
  script(marker: string, script: SimScript): void;
  requests(session?: string): AgentSimRecord[];
  close(): Promise<void>;
}

export interface AgentSimOptions {
  scripts?: Record<string, SimScript>;
  /** Answers requests no marker matches; without it they get a 400 naming the problem. */
  fallback?: SimScript;
  port?: number;
}

const MAX_BODY = 32 * 1024 * 1024;

function checked(script: SimScript, what: string): SimScript {
  const problems = scriptProblems(script);
  if (problems.length) throw new Error(`agentsim: bad script for ${what}: ${problems.join('; ')}`);
  return script;
}

function emptyRecord(seq: number, req: http.IncomingMessage): AgentSimRecord {
  return {
    seq,
    method: req.method ?? '',
    url: req.url ?? '',
    host: req.headers.host ?? '',
    api: null,
    session: null,
    turn: null,
    tools: [],
    prompt: '',
    cwd: null,
    toolResults: [],
    status: 404,
    call: null,
    text: '',
  };
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  const enc = String(req.headers['content-encoding'] ?? 'identity');
  if (enc === 'gzip') return zlib.gunzipSync(raw);
  if (enc === 'deflate') return zlib.inflateSync(raw);
  if (enc === 'br') return zlib.brotliDecompressSync(raw);
  if (enc !== 'identity') throw new Error(`unsupported content-encoding ${enc}`);
  return raw;
}

export async function startAgentSim(opts: AgentSimOptions = {}): Promise<AgentSim> {
  const scripts: SimScripts = {
    sessions: new Map(Object.entries(opts.scripts ?? {}).map(([k, s]) => [k, checked(s, k)])),
    fallback: opts.fallback && checked(opts.fallback, 'the fallback'),
  };
  const log: AgentSimRecord[] = [];
  let seq = 0;

  function handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const n = ++seq;
    const pathname = (req.url ?? '/').split('?')[0];
    const api: SimApi | null =
      req.method === 'POST' && pathname === '/v1/messages'
        ? 'anthropic'
        : req.method === 'POST' && pathname === '/v1/responses'
          ? 'responses'
          : null;
    const record: AgentSimRecord = { ...emptyRecord(n, req), api };
    log.push(record);
    const fail = (status: number, message: string) => {
      Object.assign(record, { status, text: message });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(errorBody(api ?? 'responses', message)));
    };
    if (!api) return fail(404, `agentsim: no route ${req.method} ${pathname}`);
    let sim: SimRequest;
    try {
      const json: unknown = JSON.parse(body.toString('utf8'));
      sim = api === 'anthropic' ? parseAnthropicRequest(json) : parseResponsesRequest(json);
    } catch (err) {
      return fail(400, `agentsim: unreadable request: ${(err as Error).message}`);
    }
    Object.assign(record, {
      tools: sim.tools.map((t) => t.name),
      prompt: sim.prompt,
      cwd: sim.cwd,
      toolResults: sim.toolResults,
    });
    const picked = pickSession(sim, scripts);
    if (!picked) {
      const markers = [...scripts.sessions.keys()].join(', ') || 'none';
      return fail(400, `agentsim: no script for this prompt (markers: ${markers})`);
    }
    record.session = picked.marker;
    const reply = nextReply(sim, picked.script);
    record.turn = reply.turn;
    if (reply.kind === 'error') return fail(reply.status, reply.message);
    Object.assign(record, { status: 200, call: reply.call?.name ?? null, text: reply.text });
    const id = `agentsim${String(n).padStart(6, '0')}`;
    const events =
      api === 'anthropic' ? anthropicEvents(reply, sim.model, id) : responsesEvents(reply, sim.model, id);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.end(sseText(events));
  }

  const server = http.createServer((req, res) => {
    readBody(req).then(
      (body) => handle(req, body, res),
      (err: Error) => {
        log.push({ ...emptyRecord(++seq, req), status: 400, text: `agentsim: ${err.message}` });
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify(errorBody('responses', `agentsim: ${err.message}`)));
      },
    );
  });
  // As a proxy (offlineGuardEnv(sim.url)) it records, then refuses, every tunnel a CLI tries to open:
  // evidence that something would have left loopback.
  server.on('connect', (req: http.IncomingMessage, socket: Duplex) => {
    log.push({ ...emptyRecord(++seq, req), status: 403, text: 'agentsim: refused a proxy tunnel' });
    socket.on('error', () => {}); // the client may reset the refused tunnel; nothing to do about it
    socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    port,
    script(marker, script) {
      scripts.sessions.set(marker, checked(script, marker));
    },
    requests(session) {
      return session === undefined ? [...log] : log.filter((r) => r.session === session);
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Both CLIs keep connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
      });
    },
  };
}
