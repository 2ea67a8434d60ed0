import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/cli/ports.js';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fakeTelegram.js';
import { waitFor } from '../helpers/procs.js';
import { assertBuilt, cli, killLeftovers, processesMentioning, tempDir } from './cli-harness.js';

/**
 * `up` starts the Telegram bridge when MULTYAGENTS_TELEGRAM_BOT_TOKEN is set, `status` and `logs` show it,
 * and `down` stops it first; a bad bridge setting refuses `up` before anything starts.
 */
describe('up starts the Telegram bridge', () => {
  const BOT = '654321:TEST-up-bot-token';
  const CHAT = 777;
  let dir: string;
  let tg: FakeTelegram;
  let ports: string[];
  const bridgeEnv = () => ({
    MULTYAGENTS_TELEGRAM_BOT_TOKEN: BOT,
    MULTYAGENTS_TELEGRAM_CHAT_IDS: String(CHAT),
    MULTYAGENTS_TELEGRAM_API_URL: tg.url,
    MULTYAGENTS_TELEGRAM_POLL_TIMEOUT: '1',
  });
  const ma = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    cli([...args, '--data-dir', dir], { env, timeoutMs: 60_000 });
  const pidFile = () => path.join(dir, 'run', 'telegram.pid');

  beforeAll(async () => {
    assertBuilt();
    dir = tempDir('ma-telegram-up-');
    tg = await startFakeTelegram();
    ports = ['--api-port', String(await freePort()), '--runner-port', String(await freePort())];
  });

  afterAll(async () => {
    await cli(['down', '--kill', '--data-dir', dir]);
    killLeftovers(dir);
    await tg?.close();
    expect(processesMentioning(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a bad bridge setting refuses `up` before the API or a runner starts', async () => {
    const r = await ma(['up', ...ports], { MULTYAGENTS_TELEGRAM_BOT_TOKEN: BOT });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /CONFIG_INVALID: the Telegram bridge: MULTYAGENTS_TELEGRAM_CHAT_IDS is required/,
    );
    expect(r.stdout).not.toContain('starting API');
    expect(fs.existsSync(path.join(dir, 'run', 'api.pid'))).toBe(false);
    expect(processesMentioning(dir)).toEqual([]);
  });

  it('starts with the stack, notifies, shows in status and logs, and stops first on down', async () => {
    const up = await ma(['up', ...ports], bridgeEnv());
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(up.stdout).toMatch(/Telegram bridge following the event stream \(pid \d+/);
    expect(up.stdout).toMatch(/telegram\s+notifications, commands\s+pid \d+\s+started/);
    const pid = Number(fs.readFileSync(pidFile(), 'utf8'));

    // Idempotent: a second `up` starts nothing, the bridge included.
    const again = await ma(['up'], bridgeEnv());
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('already running (nothing started)');
    expect(Number(fs.readFileSync(pidFile(), 'utf8'))).toBe(pid);

    const st = await ma(['status', '--json']);
    expect(st.code, st.stdout + st.stderr).toBe(0);
    expect(JSON.parse(st.stdout).telegram).toMatchObject({ process: 'running', pid });

    // The bridge is live: a command from the allowed chat is answered through the started process.
    tg.push({ message: { message_id: 1, chat: { id: CHAT }, from: { id: 5 }, text: '/help' } });
    await waitFor('the /help answer', async () =>
      tg.calls.some((c) => c.method === 'sendMessage' && String(c.params.text).includes('/mute')),
    );
    const logs = await ma(['logs', 'telegram', '--lines', '200']);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('event stream connected');

    const down = await ma(['down']);
    expect(down.code, down.stdout + down.stderr).toBe(0);
    const lines = down.stdout.split('\n').filter((l) => l.startsWith('[down] stopped'));
    expect(lines[0]).toMatch(/stopped telegram \(pid \d+\) with SIGTERM/);
    expect(fs.existsSync(pidFile())).toBe(false);
    // A clean stop wrote the bridge's position.
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'telegram-state.json'), 'utf8')) as {
      last_update_id: number | null;
    };
    expect(state.last_update_id).not.toBeNull();
    expect(processesMentioning(dir)).toEqual([]);
  });

  it("rotates the bridge's log by size, like the API's and the runners'", async () => {
    const OUTSIDER = 31337;
    const up = await ma(['up', ...ports], {
      ...bridgeEnv(),
      MULTYAGENTS_LOG_MAX_BYTES: '1500',
      MULTYAGENTS_LOG_KEEP: '2',
    });
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const log = path.join(dir, 'logs', 'telegram.log');
    const before = fs.existsSync(`${log}.1`) ? fs.readFileSync(`${log}.1`, 'utf8') : '';
    // Each update from a chat outside the allow-list is one warning line (~250 bytes) in the bridge's log.
    for (let i = 0; i < 12; i++)
      tg.push({ message: { message_id: 100 + i, chat: { id: OUTSIDER }, from: { id: 9 }, text: '/runs' } });
    const answered = tg.calls.length;
    tg.push({ message: { message_id: 200, chat: { id: CHAT }, from: { id: 5 }, text: '/muted' } });
    await waitFor('the /muted answer after the outsider updates', async () =>
      tg.calls
        .slice(answered)
        .some((c) => c.method === 'sendMessage' && String(c.params.text).includes('no run is muted')),
    );
    await waitFor('the rotated copy', async () => {
      const rotated = fs.existsSync(`${log}.1`) ? fs.readFileSync(`${log}.1`, 'utf8') : '';
      return rotated !== before && rotated.includes('chat not allowed: ignored');
    });
    expect(fs.existsSync(`${log}.3`)).toBe(false); // keep 2
    expect(fs.statSync(log).size).toBeLessThan(1500 + 4096);
    const down = await ma(['down']);
    expect(down.code, down.stdout + down.stderr).toBe(0);
  });
});
