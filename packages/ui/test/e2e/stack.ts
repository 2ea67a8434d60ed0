/**
 * The browser journeys' common set-up: the panel of the current sources built into the test's own
 * folder (served with MULTYAGENTS_UI_DIR, so a stale packages/ui/dist is never tested), a real API with
 * an operator token, a real runner (mock executor unless told otherwise), and Debian's chromium driven
 * by playwright-core.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import {
  freePort,
  http,
  pidsMatching,
  ROOT,
  startApiProc,
  startCli,
  waitFor,
  type Proc,
} from '../../../control-plane/test/helpers/procs.js';

/** Debian's chromium (CI installs it with apt: .ci/run); no browser is downloaded. */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));

/** Says on stderr why a journey file is skipped (call at module level). */
export function noteSkipWithoutChromium(label: string): void {
  if (!CHROMIUM)
    process.stderr.write(`[${label}] SKIPPED: chromium is not installed (apt-get install -y chromium)\n`);
}

export interface PanelStack {
  dir: string;
  shots: string;
  base: string;
  /** The operator's authorization header; empty for a stack without a token. */
  auth: Record<string, string>;
  /** The runner process: a journey may kill it (close() kills it too if still alive). */
  runner: Proc;
  browser: Browser;
  page: Page;
  /** Documents loaded by the page: a journey that must not reload compares it before and after. */
  loads(): number;
  /** An operator call that must answer 200; its body. */
  api(method: string, url: string, body?: unknown): Promise<any>;
  close(): Promise<void>;
}

export async function startPanelStack(o: {
  /** Temp folder prefix and log label, e.g. `catalogue`. */
  name: string;
  /** The operator token the API requires; without it the API is open (loopback only). */
  token?: string;
  apiEnv?: Record<string, string>;
  /** Appended to the runner's command line, e.g. `--executor command …`. */
  runnerArgs?: string[];
  viewport?: { width: number; height: number };
  acceptDownloads?: boolean;
  /** Open the panel, give the token if any and wait for the live stream (default); false: a blank page. */
  signIn?: boolean;
}): Promise<PanelStack> {
  const procs: Proc[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ma-ui-${o.name}-`));
  const uiDir = path.join(dir, 'ui-dist');
  const built = spawnSync(
    path.join(ROOT, 'node_modules/.bin/vite'),
    ['build', 'packages/ui', '--logLevel', 'warn', '--outDir', uiDir],
    { cwd: ROOT, stdio: 'inherit' },
  );
  expect(built.status).toBe(0);
  const shots = fs.mkdtempSync(path.join(os.tmpdir(), `ma-ui-${o.name}-shots-`));
  process.stdout.write(`[panel ${o.name} e2e] screenshots in ${shots}\n`);
  const auth: Record<string, string> = o.token ? { authorization: `Bearer ${o.token}` } : {};
  const apiPort = await freePort();
  const runnerPort = await freePort();
  const base = `http://127.0.0.1:${apiPort}`;
  procs.push(
    await startApiProc(dir, apiPort, {
      ...(o.token ? { MULTYAGENTS_OPERATOR_TOKEN: o.token } : {}),
      MULTYAGENTS_UI_DIR: uiDir,
      MULTYAGENTS_SCHEDULER_INTERVAL_MS: '50',
      ...o.apiEnv,
    }),
  );
  const runner = startCli(
    [
      'runner',
      '--port',
      String(runnerPort),
      '--api',
      base,
      '--data-dir',
      path.join(dir, 'runner'),
      '--heartbeat-ms',
      '200',
      '--log-level',
      'warn',
      ...(o.runnerArgs ?? []),
    ],
    { MULTYAGENTS_RUNNER_TOKEN_FILE: path.join(dir, 'runner-token') },
  );
  procs.push(runner);
  await waitFor('runner online', async () => {
    if (runner.child.exitCode !== null) throw new Error(`runner exited: ${runner.output()}`);
    const list = (await http('GET', `${base}/runners`, undefined, auth)).body as Array<{ liveness: string }>;
    return Array.isArray(list) && list.some((r) => r.liveness === 'online');
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container has no user namespace for chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage({
    viewport: o.viewport ?? { width: 1280, height: 900 },
    acceptDownloads: o.acceptDownloads ?? false,
  });
  let loads = 0;
  page.on('load', () => loads++);
  if (o.signIn !== false) {
    await page.goto(`${base}/`);
    if (o.token) {
      await page.getByLabel('Token').fill(o.token);
      await page.getByRole('button', { name: 'Use token' }).click();
    }
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.locator('[data-testid=stream]', { hasText: 'live: open' }).waitFor();
  }
  return {
    dir,
    shots,
    base,
    auth,
    runner,
    browser,
    page,
    loads: () => loads,
    async api(method, url, body) {
      const r = await http(method, `${base}${url}`, body, auth);
      expect(r.status, `${method} ${url}: ${JSON.stringify(r.body)}`).toBe(200);
      return r.body;
    },
    async close() {
      await browser.close();
      for (const p of procs.splice(0)) await p.kill('SIGKILL');
      for (const pid of pidsMatching(dir)) process.kill(pid, 'SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
