import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, http, startApiProc, type Proc } from '../helpers/procs.js';

/**
 * Issue 18 item 9: a client that retries a create after the API died (kill -9 right after it answered)
 * gets the first run back with the same Idempotency-Key — one run, not two.
 */
describe('Idempotency-Key across kill -9', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.reverse()) await Promise.resolve(fn()).catch(() => undefined);
    cleanup.length = 0;
  });

  it('a create acknowledged just before SIGKILL is answered again after the restart, with no second run', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-idem-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let api: Proc = await startApiProc(dir, port);
    cleanup.push(() => api.kill('SIGKILL'));

    const role = await http('POST', `${base}/roles`, { name: 'r' });
    const tpl = await http('POST', `${base}/workflow-templates`, {
      name: 't',
      steps: [{ step_id: 'a', role_id: role.body.id, title: 'A' }],
    });
    const body = { workflow_template_id: tpl.body.id, initiated_by: 'retrying-client' };
    const key = { 'idempotency-key': 'client-7f3a-run-1' };
    const first = await http('POST', `${base}/workflow-runs`, body, key);
    expect(first.status).toBe(200);
    await api.kill('SIGKILL');

    api = await startApiProc(dir, port);
    const retry = await http('POST', `${base}/workflow-runs`, body, key);
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.body).toEqual(first.body);
    const runs = await http('GET', `${base}/workflow-runs`);
    expect(runs.body.map((r: { id: number }) => r.id)).toEqual([first.body.id]);
    // A different body under the key is refused, not a second run.
    const reused = await http('POST', `${base}/workflow-runs`, { ...body, initiated_by: 'x' }, key);
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });
});
