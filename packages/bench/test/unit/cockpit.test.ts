import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleSize } from '../../src/panel/dist.js';
import { tallyLive } from '../../src/panel/liveTally.js';
import { SseIdReader } from '../../src/stream/frames.js';
import { tallyFanout } from '../../src/stream/tally.js';

const STREAM =
  ': heartbeat\n\nid: 7\nevent: message\ndata: {"id":7}\n\nid: 8\ndata: {}\n\ndata: no id\n\nid: 9\n\n';

describe('B13 stream frames', () => {
  it('reads the ids of complete frames whatever the chunking', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const r = new SseIdReader();
      expect([...r.push(STREAM.slice(0, cut)), ...r.push(STREAM.slice(cut))]).toEqual([7, 8, 9]);
    }
    const r = new SseIdReader();
    expect([...STREAM].flatMap((ch) => r.push(ch))).toEqual([7, 8, 9]);
  });

  it('accepts CRLF and CR line ends, also split between chunks', () => {
    const crlf = STREAM.replace(/\n/g, '\r\n');
    for (let cut = 0; cut <= crlf.length; cut++) {
      const r = new SseIdReader();
      expect([...r.push(crlf.slice(0, cut)), ...r.push(crlf.slice(cut))]).toEqual([7, 8, 9]);
    }
    // A CR at the end of a chunk may be half of a CRLF: its frame completes with the next chunk.
    const cr = new SseIdReader();
    expect(cr.push('id: 3\r\rid: 4\r\r')).toEqual([3]);
    expect(cr.push('id: 5\n\n')).toEqual([4, 5]);
  });

  it('keeps a frame open until its blank line and ignores ids that are not numbers', () => {
    const r = new SseIdReader();
    expect(r.push('id: 5\ndata: x\n')).toEqual([]);
    expect(r.push('\n')).toEqual([5]);
    expect(r.push('id: abc\n\nid:12\n\n')).toEqual([12]);
  });
});

describe('B13 delivery tally', () => {
  const acks = new Map([
    [10, 1000],
    [11, 1010],
    [12, 1020],
  ]);

  it('counts every event at every client exactly once, with its latency from the ack', () => {
    const t = tallyFanout(acks, [
      [
        [10, 1001],
        [11, 1012],
        [12, 1023],
      ],
      [
        [10, 1002],
        [11, 1011],
        [12, 1021],
      ],
    ]);
    expect(t).toMatchObject({ clients: 2, events: 3, expected: 6, deliveries: 6, missing: 0, duplicated: 0 });
    expect(t.out_of_order).toBe(0);
    expect(t.latencies_ms).toEqual([1, 2, 3, 2, 1, 1]);
  });

  it('reports missing, duplicated, out-of-order and unexpected receipts', () => {
    const t = tallyFanout(acks, [
      [
        [10, 1001],
        [10, 1005],
        [12, 1021],
        [11, 1022],
      ],
      [
        [99, 1000],
        [11, 1011],
      ],
    ]);
    expect(t).toMatchObject({
      expected: 6,
      deliveries: 4,
      missing: 2,
      duplicated: 1,
      out_of_order: 1,
      unexpected: 1,
    });
  });
});

describe('B15 live tally', () => {
  it('matches the rows the page saw to the changes the API answered', () => {
    const acks = new Map([
      [5, 100],
      [6, 200],
      [7, 300],
    ]);
    const t = tallyLive(acks, { '5': 160, '7': 340, '4': 1 });
    expect(t).toEqual({ changes: 3, observed: 2, missing_ids: [6], latencies_ms: [60, 40] });
  });
});

describe('B14 bundle size', () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it('sums raw and gzip bytes of the JS and CSS assets, the JS index.html loads apart from lazy chunks', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bundle-'));
    fs.mkdirSync(path.join(dir, 'assets'));
    const js = Buffer.from('const a = 1;\n'.repeat(500));
    fs.writeFileSync(path.join(dir, 'assets/index-abc.js'), js);
    fs.writeFileSync(path.join(dir, 'assets/index-abc.css'), 'body{margin:0}');
    fs.writeFileSync(path.join(dir, 'assets/logo.svg'), '<svg/>');
    fs.writeFileSync(path.join(dir, 'assets/yaml-def.js'), 'export const y = 2;');
    fs.writeFileSync(
      path.join(dir, 'index.html'),
      '<script type="module" crossorigin src="/ui/assets/index-abc.js"></script>',
    );
    const b = bundleSize(dir);
    const gz = (s: string | Buffer) => zlib.gzipSync(s, { level: 6 }).length;
    expect(b.first_paint_js).toEqual({ bytes: js.length, gzip_bytes: gz(js) });
    expect(b.lazy_js).toEqual({ bytes: 19, gzip_bytes: gz('export const y = 2;') });
    expect(b.js.bytes).toBe(js.length + 19);
    expect(b.first_paint_js.gzip_bytes).toBeLessThan(b.first_paint_js.bytes);
    expect(b.css.bytes).toBe(14);
    expect(b.files.map((f) => f.file)).toEqual(['index-abc.css', 'index-abc.js', 'yaml-def.js']);
  });
});
