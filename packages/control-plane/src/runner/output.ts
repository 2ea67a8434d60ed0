import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../lib/logger.js';
import type { OutputStream } from '../executors/types.js';
import type { Transport } from './http.js';
import type { Redactor } from '../lib/redact.js';
import { StreamRedactor } from '../lib/streamRedact.js';

export const TAIL_CHARS = 64 * 1024;

/** The last `max` characters written. */
export class Tail {
  private parts: string[] = [];
  private length = 0;
  constructor(private readonly max = TAIL_CHARS) {}
  push(s: string): void {
    this.parts.push(s);
    this.length += s.length;
    if (this.length > this.max * 2) this.compact();
  }
  text(): string {
    this.compact();
    return this.parts.join('');
  }
  private compact(): void {
    const all = this.parts.join('');
    const cut = all.length > this.max ? all.slice(all.length - this.max) : all;
    this.parts = [cut];
    this.length = cut.length;
  }
}

/** Last bytes of a file as text (the log of an attempt whose runner died). */
export function fileTail(file: string, max = TAIL_CHARS): string | null {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, max);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      return buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}

/**
 * Forwards output to the API's log endpoint in batches (every `batchMs` or `maxChars`), in order, with
 * a few retries per chunk. Best effort by design: the full output is in the log file on disk and the
 * terminal report carries the tails, so a slow or missing log endpoint never holds an agent back.
 */
export class ChunkForwarder {
  private seq = 0;
  private buf: { stream: OutputStream; data: string } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private failures = 0;
  /** Chunks queued and not yet sent (or given up). */
  private unsent = 0;

  constructor(
    private readonly transport: Transport,
    private readonly url: string,
    private readonly token: string,
    private readonly attempt: number,
    /** Called only when there is something to log. */
    private readonly logger: () => Logger,
    private readonly opts = { batchMs: 200, maxChars: 32 * 1024, tries: 3 },
  ) {}

  push(stream: OutputStream, data: string): void {
    if (this.buf && this.buf.stream !== stream) this.flush();
    if (this.buf) this.buf.data += data;
    else this.buf = { stream, data };
    if (this.buf.data.length >= this.opts.maxChars) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.opts.batchMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const b = this.buf;
    this.buf = null;
    if (!b || b.data.length === 0) return;
    const chunk = { attempt: this.attempt, seq: this.seq++, stream: b.stream, data: b.data };
    this.unsent++;
    this.chain = this.chain.then(() => this.send(chunk)).finally(() => this.unsent--);
  }

  /** Flush and wait for the queue, at most `ms`. */
  async close(ms: number): Promise<void> {
    this.flush();
    // Most attempts of a busy runner print nothing: no timer for them.
    if (this.unsent === 0) return;
    let t: NodeJS.Timeout | undefined;
    await Promise.race([this.chain, new Promise<void>((r) => (t = setTimeout(r, ms)))]);
    clearTimeout(t);
  }

  private async send(chunk: {
    attempt: number;
    seq: number;
    stream: OutputStream;
    data: string;
  }): Promise<void> {
    // After repeated failures the endpoint is considered absent for this attempt.
    if (this.failures >= 5) return;
    for (let i = 0; i < this.opts.tries; i++) {
      try {
        const r = await this.transport.post(this.url, this.token, chunk);
        if (r.status < 300 || r.status === 409) {
          this.failures = 0;
          return;
        }
        if (r.status >= 400 && r.status < 500 && r.status !== 429) break;
      } catch {
        /* retried below */
      }
      await new Promise((r) => setTimeout(r, 200 * 2 ** i));
    }
    this.failures++;
    this.logger().debug({ seq: chunk.seq, url: this.url }, 'log chunk not delivered (best effort)');
  }
}

/**
 * Everything an attempt prints, redacted as a stream (a secret split across two pipe reads is redacted
 * whole), into its log file, the tails of the terminal report and the forwarder: nothing raw is written
 * or sent. The log file is created on the first output: an attempt that prints nothing costs no file.
 *
 * The redactors hold back the last few KiB (STREAM_TAIL_CHARS); an agent that prints a line and then
 * works silently would show nothing live, so after `idleFlushMs` without output what is held is flushed
 * (a secret printed in two writes that far apart may then be cut; see docs/security.md).
 */
export class AttemptOutput {
  readonly stdout = new Tail();
  readonly stderr = new Tail();
  private file: fs.WriteStream | null = null;
  private readonly redactors: Record<OutputStream, StreamRedactor>;
  private idle: NodeJS.Timeout | null = null;
  private settled = false;

  constructor(
    private readonly filePath: string,
    private readonly forwarder: ChunkForwarder | null,
    redact: Redactor,
    private readonly idleFlushMs = 1000,
  ) {
    this.redactors = {
      stdout: new StreamRedactor(redact.literals),
      stderr: new StreamRedactor(redact.literals),
    };
  }

  write(stream: OutputStream, data: string): void {
    this.emit(stream, this.redactors[stream].push(data));
    if (this.idle) this.idle.refresh();
    else if (this.idleFlushMs > 0) {
      this.idle = setTimeout(() => this.end(), this.idleFlushMs);
      this.idle.unref();
    }
  }

  /** Writes out what the redactors hold (the attempt ended, or went quiet); later output starts afresh. */
  end(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    this.emit('stdout', this.redactors.stdout.end());
    this.emit('stderr', this.redactors.stderr.end());
  }

  private emit(stream: OutputStream, safe: string): void {
    if (safe === '') return;
    // Output after settle (none is expected: the process has exited) still reaches the tails.
    if (!this.settled) (this.file ??= this.open()).write(safe);
    (stream === 'stdout' ? this.stdout : this.stderr).push(safe);
    this.forwarder?.push(stream, safe);
  }

  /**
   * The attempt's output is over: what the redactors hold is written and the log file is on disk before
   * this resolves, so a terminal report sent after it never points at a half-written log. The forwarder
   * is not waited for (that is `close`'s budget).
   */
  async settle(): Promise<void> {
    this.end();
    const file = this.file;
    this.file = null;
    this.settled = true;
    if (file) await new Promise<void>((resolve) => file.end(() => resolve()));
  }

  async close(forwardMs: number): Promise<void> {
    await Promise.all([this.forwarder?.close(forwardMs), this.settle()]);
  }

  private open(): fs.WriteStream {
    try {
      fs.mkdirSync(path.dirname(this.filePath), { recursive: true, mode: 0o700 });
    } catch {
      /* reported through the stream's error below */
    }
    const file = fs.createWriteStream(this.filePath, { flags: 'a', mode: 0o600 });
    file.on('error', () => {
      /* a full disk must not crash the runner; the tails still reach the API */
    });
    return file;
  }
}
