/**
 * Where our processes write their log lines: a file, or a file descriptor (stdout, which `up` points
 * at a file in the data dir). Logging must never block the event loop nor kill the process: a full
 * disk (ENOSPC), an I/O error or a closed pipe drops lines — counted, reported by `status()` (and so
 * by `/health`), and announced with one line once writing works again. Lines are written in blocks
 * (at least LOG_BLOCK_BYTES, or every flush interval), one write(2) in flight at a time; the buffer is
 * bounded and drops the newest lines beyond it.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface LogSinkStatus {
  ok: boolean;
  /** Lines dropped since the process started (not written, and never will be). */
  dropped_lines: number;
  /** Set while writing fails: the error code and since when (epoch ms). */
  failing: { code: string; since: number } | null;
}

/** The part of `fs` the sink uses, so tests can make it fail. */
export interface SinkIo {
  write(fd: number, buf: Buffer, cb: (err: NodeJS.ErrnoException | null, written: number) => void): void;
  writeSync(fd: number, buf: Buffer): number;
}

const nodeIo: SinkIo = {
  write: (fd, buf, cb) => fs.write(fd, buf, 0, buf.length, null, cb),
  writeSync: (fd, buf) => fs.writeSync(fd, buf),
};

/**
 * Rotation by size, copy-then-truncate: the file may be written through other descriptors too (`up`
 * points the process's stdout and stderr at it; every one of them appends), so it is never renamed
 * away from under them. `<path>.1 … .<keep>` are shifted, the file is copied to `<path>.1`, then
 * truncated in place; our lines wait meanwhile. A plain line another descriptor writes during the
 * copy can be lost (a fatal line at that very moment).
 */
export interface SinkRotation {
  path: string;
  maxBytes: number;
  keep: number;
}

/** The regular file behind a descriptor (Linux /proc), or null (a pipe, a terminal). */
export function fileOfFd(fd: number): string | null {
  try {
    if (!fs.fstatSync(fd).isFile()) return null;
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return null;
  }
}

export interface LogSinkOptions {
  /** Write at once when this many bytes wait. */
  blockBytes: number;
  /** Otherwise flush this often (ms). */
  flushMs: number;
  /** Bytes held at most; newer lines are dropped beyond it. */
  maxBufferBytes?: number;
  /** After a failed write, wait this long before trying again (ms). */
  retryMs?: number;
  io?: SinkIo;
  now?: () => number;
  rotate?: SinkRotation | null;
}

export class LogSink {
  private chunks: string[] = [];
  private bytes = 0;
  private writing = false;
  private timer: NodeJS.Timeout | null = null;
  private retryAt = 0;
  private dropped = 0;
  /** Dropped since the last successful write: announced by the next one. */
  private droppedUnannounced = 0;
  /** How many of those the write in flight announces. */
  private announcing = 0;
  /** Whether the write in flight starts with that notice (it is not a dropped line itself). */
  private noticeLines = 0;
  private failing: LogSinkStatus['failing'] = null;
  private readonly io: SinkIo;
  private readonly now: () => number;
  private readonly maxBuffer: number;
  private readonly retryMs: number;
  /** Bytes in the file as last seen (fstat now and then: other descriptors append too). */
  private size = -1;
  private sinceStat = 0;
  private rotating = false;
  rotations = 0;

  constructor(
    private readonly fd: number,
    private readonly opts: LogSinkOptions,
  ) {
    this.io = opts.io ?? nodeIo;
    this.now = opts.now ?? Date.now;
    this.maxBuffer = opts.maxBufferBytes ?? 1024 * 1024;
    this.retryMs = opts.retryMs ?? 1000;
  }

  /** A sink appending to `file` (its directory is created). */
  static toFile(file: string, opts: LogSinkOptions): LogSink {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    return new LogSink(fs.openSync(file, 'a', 0o600), opts);
  }

  /** How many times the file was rotated (for tests and /health). */
  get rotated(): number {
    return this.rotations;
  }

  /** pino's destination interface: one serialized line (or several) per call. Never throws. */
  write(line: string): boolean {
    const n = Buffer.byteLength(line);
    if (this.bytes + n > this.maxBuffer) {
      this.drop(1);
      return true;
    }
    this.chunks.push(line);
    this.bytes += n;
    if (this.bytes >= this.opts.blockBytes) this.flush();
    else this.arm(this.opts.flushMs);
    return true;
  }

  status(): LogSinkStatus {
    return { ok: this.failing === null, dropped_lines: this.dropped, failing: this.failing };
  }

  /** Start one asynchronous write of everything buffered (unless one is in flight or we back off). */
  flush(): void {
    if (this.rotating) return;
    if (this.writing || (this.bytes === 0 && this.droppedUnannounced === 0)) return;
    const wait = this.retryAt - this.now();
    if (wait > 0) return this.arm(wait);
    const buf = Buffer.from(this.take());
    this.writing = true;
    this.writeAll(buf, 0);
  }

  /** At exit: one synchronous attempt to write what is buffered; errors are swallowed. */
  flushSync(): void {
    if (this.bytes === 0) return;
    const buf = Buffer.from(this.take());
    try {
      let off = 0;
      for (let i = 0; off < buf.length && i < 64; i++) off += this.io.writeSync(this.fd, buf.subarray(off));
    } catch {
      // Nothing more can be done at exit.
    }
  }

  private take(): string {
    const notice = this.droppedUnannounced
      ? `${JSON.stringify({
          level: 40,
          time: this.now(),
          msg: `${this.droppedUnannounced} log line(s) dropped while the log could not be written (${this.lastCode})`,
        })}\n`
      : '';
    this.announcing = this.droppedUnannounced;
    this.noticeLines = notice ? 1 : 0;
    const text = notice + this.chunks.join('');
    this.chunks = [];
    this.bytes = 0;
    return text;
  }

  private lastCode = 'unknown';

  private writeAll(buf: Buffer, off: number): void {
    this.io.write(this.fd, buf.subarray(off), (err, written) => {
      if (err) {
        if (err.code === 'EAGAIN') {
          // A full pipe: the same bytes again shortly, nothing lost.
          setTimeout(() => this.writeAll(buf, off), 20).unref();
          return;
        }
        this.fail(err.code ?? 'EIO', buf.subarray(off));
        return;
      }
      if (off + written < buf.length) return this.writeAll(buf, off + written);
      this.writing = false;
      if (this.dueForRotation(buf.length)) return void this.rotate();
      this.failing = null;
      this.droppedUnannounced -= this.announcing;
      this.announcing = 0;
      if (this.bytes > 0 && this.bytes >= this.opts.blockBytes) this.flush();
      else if (this.bytes > 0) this.arm(this.opts.flushMs);
    });
  }

  private dueForRotation(wrote: number): boolean {
    const r = this.opts.rotate;
    if (!r || r.maxBytes <= 0) return false;
    this.sinceStat += wrote;
    if (this.size < 0 || this.sinceStat >= 64 * 1024 || this.size + this.sinceStat > r.maxBytes) {
      try {
        this.size = fs.fstatSync(this.fd).size;
      } catch {
        return false;
      }
      this.sinceStat = 0;
    }
    return this.size + this.sinceStat > r.maxBytes;
  }

  /** Shift the old files, copy this one to `.1`, truncate it; lines wait meanwhile (bounded buffer). */
  private async rotate(): Promise<void> {
    const r = this.opts.rotate!;
    this.rotating = true;
    try {
      for (let i = r.keep - 1; i >= 1; i--) {
        await fs.promises.rename(`${r.path}.${i}`, `${r.path}.${i + 1}`).catch(() => undefined);
      }
      await fs.promises.copyFile(r.path, `${r.path}.1`);
      fs.ftruncateSync(this.fd, 0);
      this.size = 0;
      this.sinceStat = 0;
      this.rotations++;
    } catch {
      // Not rotated (the copy failed: a full disk?): try again after the next block.
      this.size = -1;
    } finally {
      this.rotating = false;
      if (this.bytes > 0) this.flush();
    }
  }

  private fail(code: string, unwritten: Buffer): void {
    this.writing = false;
    this.announcing = 0;
    this.lastCode = code;
    this.failing ??= { code, since: this.now() };
    this.drop(Math.max(0, countLines(unwritten) - this.noticeLines));
    this.retryAt = this.now() + this.retryMs;
    // Try again even with nothing new to write: the notice of the dropped lines is due, and
    // `failing` clears only when a write succeeds.
    this.arm(this.retryMs);
  }

  private drop(lines: number): void {
    this.dropped += lines;
    this.droppedUnannounced += lines;
  }

  private arm(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, ms);
    this.timer.unref();
  }
}

function countLines(buf: Buffer): number {
  let n = 0;
  for (const b of buf) if (b === 10) n++;
  return n;
}
