import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileOfFd, LogSink, type SinkIo } from '../../src/lib/logSink.js';

/** A file descriptor whose writes fail with `failWith` while it is set; records what was written. */
class FakeIo implements SinkIo {
  written = '';
  failWith: string | null = null;
  /** Write at most this many bytes per call (partial writes). */
  maxChunk = Infinity;
  eagainLeft = 0;
  calls = 0;
  write(_fd: number, buf: Buffer, cb: (err: NodeJS.ErrnoException | null, n: number) => void): void {
    this.calls++;
    setImmediate(() => {
      if (this.eagainLeft > 0) {
        this.eagainLeft--;
        return cb(Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' }), 0);
      }
      if (this.failWith) return cb(Object.assign(new Error(this.failWith), { code: this.failWith }), 0);
      const n = Math.min(buf.length, this.maxChunk);
      this.written += buf.subarray(0, n).toString();
      cb(null, n);
    });
  }
  writeSync(_fd: number, buf: Buffer): number {
    if (this.failWith) throw Object.assign(new Error(this.failWith), { code: this.failWith });
    this.written += buf.toString();
    return buf.length;
  }
}

async function until(what: string, fn: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const line = (i: number) => `${JSON.stringify({ level: 30, msg: `line ${i}` })}\n`;

describe('LogSink', () => {
  it('writes every line, in order, in blocks', async () => {
    const io = new FakeIo();
    const sink = new LogSink(9, { blockBytes: 64, flushMs: 5, io });
    for (let i = 0; i < 100; i++) sink.write(line(i));
    await until('all written', () => io.written.split('\n').length === 101);
    expect(io.written).toBe(Array.from({ length: 100 }, (_, i) => line(i)).join(''));
    expect(io.calls).toBeLessThan(100);
    expect(sink.status()).toEqual({ ok: true, dropped_lines: 0, failing: null });
  });

  it('finishes partial writes and rides out EAGAIN without losing a byte', async () => {
    const io = new FakeIo();
    io.maxChunk = 7;
    io.eagainLeft = 3;
    const sink = new LogSink(9, { blockBytes: 0, flushMs: 5, io });
    for (let i = 0; i < 20; i++) sink.write(line(i));
    const want = Array.from({ length: 20 }, (_, i) => line(i)).join('');
    await until('all written', () => io.written.length === want.length);
    expect(io.written).toBe(want);
    expect(sink.status().dropped_lines).toBe(0);
  });

  it('on ENOSPC drops and counts lines, never throws, reports failing, and announces the loss once writing works again', async () => {
    const io = new FakeIo();
    const sink = new LogSink(9, { blockBytes: 0, flushMs: 5, retryMs: 10, io });
    io.failWith = 'ENOSPC';
    for (let i = 0; i < 5; i++) expect(sink.write(line(i))).toBe(true);
    await until('failing reported', () => sink.status().failing !== null);
    await until('all five dropped', () => sink.status().dropped_lines === 5);
    expect(sink.status()).toMatchObject({ ok: false, failing: { code: 'ENOSPC' } });
    // Retries while failing (every 10 ms) do not count the notice itself as a dropped line.
    const calls = io.calls;
    await until('several retries', () => io.calls >= calls + 3);
    expect(sink.status().dropped_lines).toBe(5);
    io.failWith = null;
    await until('recovered', () => sink.status().ok);
    expect(io.written).toContain('5 log line(s) dropped while the log could not be written (ENOSPC)');
    sink.write(line(99));
    await until('new line written', () => io.written.includes('line 99'));
    // Announced once only.
    expect(io.written.match(/dropped while/g)).toHaveLength(1);
  });

  it('bounds its buffer: beyond it new lines are dropped and counted', async () => {
    const io = new FakeIo();
    io.failWith = 'EIO';
    const sink = new LogSink(9, { blockBytes: 1 << 20, flushMs: 1_000, maxBufferBytes: 200, io });
    for (let i = 0; i < 50; i++) sink.write(line(i));
    const kept = Math.floor(200 / line(0).length);
    expect(sink.status().dropped_lines).toBe(50 - kept);
  });

  it('flushSync at exit writes what is buffered and swallows errors', () => {
    const io = new FakeIo();
    const sink = new LogSink(9, { blockBytes: 1 << 20, flushMs: 60_000, io });
    sink.write(line(1));
    sink.flushSync();
    expect(io.written).toBe(line(1));
    io.failWith = 'ENOSPC';
    sink.write(line(2));
    expect(() => sink.flushSync()).not.toThrow();
  });
});

describe('LogSink rotation (copy, then truncate in place)', () => {
  it('keeps the file under the limit, shifts .1 … .keep, loses no line of its own, and other appenders keep writing to the live file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-logrot-'));
    try {
      const file = path.join(dir, 'api.log');
      const fd = fs.openSync(file, 'a');
      // Another descriptor on the same file, as `up` gives the process's stdout.
      const other = fs.openSync(file, 'a');
      expect(fileOfFd(fd)).toBe(file);
      const sink = new LogSink(fd, {
        blockBytes: 0,
        flushMs: 5,
        rotate: { path: file, maxBytes: 4_000, keep: 2 },
      });
      for (let i = 0; i < 400; i++) {
        sink.write(line(i));
        if (i % 50 === 0) fs.writeSync(other, `plain ${i}\n`);
        if (i % 20 === 0) await new Promise((r) => setTimeout(r, 2));
      }
      const all = () =>
        [`${file}.2`, `${file}.1`, file]
          .map((f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : ''))
          .join('');
      await until('rotated and drained', () => all().includes('"msg":"line 399"'));
      await new Promise((r) => setTimeout(r, 50));
      expect(sink.rotated).toBeGreaterThanOrEqual(2);
      expect(fs.existsSync(`${file}.1`)).toBe(true);
      expect(fs.existsSync(`${file}.2`)).toBe(true);
      expect(fs.existsSync(`${file}.3`)).toBe(false);
      // The live file stays near the limit (a block may overshoot it once).
      expect(fs.statSync(file).size).toBeLessThan(4_000 + 8_192);
      // Every line kept is whole, in order across .2 → .1 → live.
      const kept = all();
      const nums = [...kept.matchAll(/"msg":"line (\d+)"/g)].map((m) => Number(m[1]));
      expect(nums.at(-1)).toBe(399);
      for (let i = 1; i < nums.length; i++) expect(nums[i]).toBe(nums[i - 1]! + 1);
      for (const l of kept.split('\n').filter(Boolean))
        expect(l.startsWith('{') || l.startsWith('plain')).toBe(true);
      // The other descriptor writes to the live file after a truncation.
      fs.writeSync(other, 'plain after\n');
      expect(fs.readFileSync(file, 'utf8')).toContain('plain after');
      fs.closeSync(other);
      fs.closeSync(fd);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fileOfFd: null for a pipe', () => {
    const [r] = [fs.openSync('/dev/null', 'r')];
    expect(fileOfFd(r)).toBeNull();
    fs.closeSync(r);
  });
});
