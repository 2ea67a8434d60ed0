/**
 * Reads event ids out of a `text/event-stream`, chunk by chunk: a frame may be split anywhere, lines
 * end with LF, CRLF or CR, comments (the API's heartbeats) and frames without an `id:` yield nothing.
 * Pure; the stream clients of B13 feed it what their sockets read.
 */
export class SseIdReader {
  private buf = '';
  private id: number | null = null;

  /** The ids of the frames that `chunk` completes, in order. */
  push(chunk: string): number[] {
    this.buf += chunk;
    const out: number[] = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buf);
      if (!m) break;
      // A CR at the very end may be the first half of a CRLF split across chunks: wait for more.
      if (m[0] === '\r' && m.index === this.buf.length - 1) break;
      const line = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      if (line === '') {
        if (this.id !== null) out.push(this.id);
        this.id = null;
      } else if (line.startsWith('id:')) {
        const value = line.slice(3).trimStart();
        this.id = /^\d+$/.test(value) ? Number(value) : null;
      }
    }
    return out;
  }
}
