import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BIN,
  freePort,
  http,
  pidsMatching,
  startApiProc,
  startCli,
  waitFor,
  type Proc,
} from '../helpers/procs.js';

const ENV = { MULTYAGENTS_HEARTBEAT_TIMEOUT_MS: '2000', MULTYAGENTS_LOST_GRACE_MS: '2000' };
const NAME = 'ident-runner';

interface RunnerRow {
  id: number;
  name: string;
  url: string;
  liveness: string;
  boot_count: number;
  last_seen_at: string;
  credential_issued_at: string | null;
}

/**
 * Runner identity with real processes (issue 18, item 4): our runner keeps the credential it was
 * issued in its data dir and presents it when it registers again after a kill -9; a second runner
 * under the same name without it is refused and changes nothing, until an operator resets the name.
 */
describe('runner identity (real API and runner processes)', () => {
  let dir = '';
  const procs: Proc[] = [];
  beforeAll(() => {
    if (!fs.existsSync(BIN)) throw new Error(`build first: ${BIN} is missing`);
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.kill('SIGKILL');
    for (const pid of pidsMatching(dir)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function runner(base: string, dataDir: string, port: number): Proc {
    const p = startCli(
      ['runner', '--port', String(port), '--api', base, '--data-dir', dataDir, '--name', NAME],
      {
        MULTYAGENTS_RUNNER_TOKEN_FILE: path.join(dir, 'runner-token'),
        MULTYAGENTS_RUNNER_HEARTBEAT_MS: '200',
      },
    );
    procs.push(p);
    return p;
  }

  const runners = async (base: string) => (await http('GET', `${base}/runners`)).body as RunnerRow[];
  const eventsOf = async (base: string, type: string) =>
    (await http('GET', `${base}/events?event_type=${type}&limit=100`)).body as Array<{
      payload: Record<string, unknown>;
    }>;
  /**
   * The API saw the registration, but has the runner kept its answer? A heartbeat comes only after
   * (and in a later turn than the journal's commit).
   */
  const heartbeatAfter = (base: string, seen: RunnerRow) =>
    waitFor('a heartbeat', async () =>
      (await runners(base)).some((r) => r.id === seen.id && r.last_seen_at !== seen.last_seen_at),
    );

  /** The credential the runner keeps in its journal (read while no runner holds the data dir). */
  const storedCredential = (dataDir: string) => {
    const db = new Database(path.join(dataDir, 'runner.db'), { fileMustExist: true });
    try {
      const r = db.prepare("SELECT value FROM meta WHERE key = 'runner_credential'").get() as
        { value: string } | undefined;
      return r?.value ?? null;
    } finally {
      db.close();
    }
  };

  it('a restarted runner re-registers with its stored credential; another data dir is refused until an operator reset', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-ident-'));
    const apiPort = await freePort();
    const base = `http://127.0.0.1:${apiPort}`;
    procs.push(await startApiProc(dir, apiPort, ENV));
    const dirA = path.join(dir, 'runner-a');
    const portA = await freePort();
    const a1 = runner(base, dirA, portA);
    const first = await waitFor('runner A registered', async () =>
      (await runners(base)).find((r) => r.name === NAME && r.liveness === 'online'),
    );
    expect(first.credential_issued_at).not.toBeNull();
    await heartbeatAfter(base, first);

    // kill -9 and restart on the same data dir: the same runner, its credential kept.
    await a1.kill('SIGKILL');
    const credential = storedCredential(dirA)!;
    expect(credential.startsWith(`${first.id}.`)).toBe(true);
    const a2 = runner(base, dirA, portA);
    await waitFor('runner A registered again', async () => {
      const r = (await runners(base)).find((x) => x.id === first.id);
      return r && r.boot_count > first.boot_count && r.liveness === 'online';
    });
    const registered = await eventsOf(base, 'runner.registered');
    expect(registered.map((e) => [e.payload.runner_id, e.payload.credential_issued])).toEqual([
      [first.id, true],
      [first.id, false],
    ]);
    expect((await eventsOf(base, 'runner.takeover_refused')).length).toBe(0);

    // Runner B: same name, its own (empty) data dir → refused; A keeps its URL and stays online.
    const dirB = path.join(dir, 'runner-b');
    const portB = await freePort();
    const b = runner(base, dirB, portB);
    await waitFor('B refused', async () => (await eventsOf(base, 'runner.takeover_refused')).length > 0);
    await waitFor('B says why', async () => b.output().includes('another runner holds this name'));
    const stillA = (await runners(base)).filter((r) => r.name === NAME);
    expect(stillA.map((r) => [r.id, r.url.endsWith(`:${portA}`), r.liveness])).toEqual([
      [first.id, true, 'online'],
    ]);

    // A is gone for good (lost its data dir); the operator resets the name, B is let in.
    await heartbeatAfter(
      base,
      (await runners(base)).find((r) => r.id === first.id)!,
    );
    await a2.kill('SIGKILL');
    expect(storedCredential(dirA)).toBe(credential);
    const reset = await http('POST', `${base}/runners/${first.id}/reset-credential`, {});
    expect(reset.status).toBe(200);
    const taken = await waitFor(
      'B registered under the name',
      async () => {
        const r = (await runners(base)).find((x) => x.id === first.id);
        return r && r.url.endsWith(`:${portB}`) && r.liveness === 'online' ? r : null;
      },
      30_000,
    );
    expect(taken.credential_issued_at).not.toBeNull();
    await heartbeatAfter(base, taken);
    await b.kill('SIGKILL');
    const credB = storedCredential(dirB)!;
    expect(credB).not.toBe(credential);
    expect(credB.startsWith(`${first.id}.`)).toBe(true);
  });
});
