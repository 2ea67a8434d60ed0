import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BenchClient } from './http.js';
import { summarize, type Summary } from './stats.js';

/** A trivial HTTP server (one JSON object per request) — the other end of the loopback floor. */
export async function trivialServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const body = JSON.stringify({ status: 'ok' });
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Sequential keep-alive round trips (undici, same client as the benchmark) to `url`. */
export async function httpRtt(url: string, samples: number, warmup = 200): Promise<Summary> {
  const client = new BenchClient(url, { connections: 1 });
  const out: number[] = [];
  for (let i = 0; i < warmup + samples; i++) {
    const t = performance.now();
    const r = await client.call('POST', '/x', { i });
    const ms = performance.now() - t;
    if (r.status !== 200) throw new Error(`trivial server answered ${r.status}`);
    if (i >= warmup) out.push(ms);
  }
  await client.close();
  return summarize(out);
}

/**
 * One durable SQLite commit: WAL, synchronous=FULL (or NORMAL for `relaxed`), a one-row insert in
 * BEGIN IMMEDIATE … COMMIT — the floor under any acknowledged state change of the API's store.
 */
export function sqliteCommit(samples: number, mode: 'full' | 'relaxed', dir = os.tmpdir()): Summary {
  const d = fs.mkdtempSync(path.join(dir, 'multyagents-floor-'));
  const db = new Database(path.join(d, 'floor.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${mode === 'full' ? 'FULL' : 'NORMAL'}`);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const ins = db.prepare('INSERT INTO t (v) VALUES (?)');
    const out: number[] = [];
    for (let i = 0; i < 50 + samples; i++) {
      const t = performance.now();
      db.exec('BEGIN IMMEDIATE');
      ins.run(`row ${i}`);
      db.exec('COMMIT');
      const ms = performance.now() - t;
      if (i >= 50) out.push(ms);
    }
    return summarize(out);
  } finally {
    db.close();
    fs.rmSync(d, { recursive: true, force: true });
  }
}
