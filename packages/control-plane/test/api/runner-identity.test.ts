/**
 * Runner identity (issue 18, item 4): each runner its own credential, issued at registration with
 * the shared bootstrap token; a name cannot be taken over; reports, fences and logs are tied to the
 * runner holding the attempt; runner URLs are http(s) and not link-local.
 */
import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, RUNNER_TOKEN, type TestApi } from '../helpers/context.js';
import { H, registerRunner, report, runnerHeaders, seedTwoStep, startRun } from '../helpers/fixtures.js';

const OP = 'operator-token-0123456789';
const OPH = { authorization: `Bearer ${OP}` };

/** No helper magic: exactly these headers (an impostor has no credential to be added). */
async function raw(t: TestApi, url: string, body: unknown, headers: Record<string, string>) {
  const res = await t.app.inject({ method: 'POST', url, payload: body as object, headers });
  return { status: res.statusCode, body: res.json() as any };
}

async function events(t: TestApi, type: string) {
  return (await call(t.app, 'GET', `/events?event_type=${type}&limit=100`, undefined, OPH)).body as Array<{
    payload: Record<string, unknown>;
  }>;
}

/** r1 registered and holding attempt 1 of the first task (queued), r2 registered after. */
async function victimWithWork(t: TestApi) {
  const { templateId } = await seedTwoStep(t);
  const r1 = await registerRunner(t, 'r1');
  const run = await startRun(t, templateId);
  const task = run.task_ids[0]!;
  const d = await call(t.app, 'POST', `/tasks/${task}/dispatch`);
  expect(d.status).toBe(200);
  const r2 = await registerRunner(t, 'r2');
  return { r1, r2, task };
}

describe('runner identity', () => {
  let t: TestApi;
  afterEach(() => t.close());

  it('registration issues a credential once; only its sha256 is stored', async () => {
    t = await makeTestApi();
    const first = await raw(t, '/runners/register', { name: 'r1', url: 'http://127.0.0.1:9/r1' }, H);
    expect(first.status).toBe(200);
    const credential = first.body.credential as string;
    expect(credential).toMatch(new RegExp(`^${first.body.id}\\.[A-Za-z0-9_-]{43}$`));
    const secret = credential.slice(credential.indexOf('.') + 1);
    const row = await t.store.read((sql) =>
      sql.get<Record<string, unknown>>('SELECT * FROM runners WHERE id = ?', [first.body.id]),
    );
    expect(row!.credential_hash).toBe(crypto.createHash('sha256').update(secret).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(secret);
    // Registering again with it keeps it (not told again) and it works for heartbeats.
    const again = await raw(
      t,
      '/runners/register',
      { name: 'r1', url: 'http://127.0.0.1:9/r1' },
      { ...H, 'x-runner-credential': credential },
    );
    expect([again.status, again.body.id, again.body.credential]).toEqual([200, first.body.id, null]);
    const hb = await raw(t, `/runners/${first.body.id}/heartbeat`, {}, { 'x-runner-credential': credential });
    expect(hb.status).toBe(200);
    // The shared token alone no longer makes a heartbeat; a made-up credential neither.
    const shared = await raw(t, `/runners/${first.body.id}/heartbeat`, {}, H);
    expect([shared.status, shared.body.code]).toEqual([401, 'RUNNER_CREDENTIAL_INVALID']);
    const forged = await raw(
      t,
      `/runners/${first.body.id}/heartbeat`,
      {},
      {
        ...H,
        'x-runner-credential': `${first.body.id}.${'A'.repeat(43)}`,
      },
    );
    expect([forged.status, forged.body.code]).toEqual([401, 'RUNNER_CREDENTIAL_INVALID']);
    // Nor can a runner beat for another.
    const r2 = await registerRunner(t, 'r2');
    const cross = await raw(t, `/runners/${first.body.id}/heartbeat`, {}, runnerHeaders(t, r2));
    expect([cross.status, cross.body.code]).toEqual([401, 'RUNNER_CREDENTIAL_INVALID']);
  });

  it("an impostor registering under a taken name is refused 409, audited, and the victim's URL and attempts are untouched", async () => {
    t = await makeTestApi();
    const { r1, r2, task } = await victimWithWork(t);
    const before = (await call(t.app, 'GET', `/runners/${r1}`)).body;
    const evil = { name: 'r1', url: 'http://127.0.0.1:9/evil', attempts: [] };
    const bootstrap = await raw(t, '/runners/register', evil, H);
    expect([bootstrap.status, bootstrap.body.code, bootstrap.body.runner_id]).toEqual([
      409,
      'RUNNER_NAME_TAKEN',
      r1,
    ]);
    // Another runner's own credential does not open r1's name either.
    const other = await raw(t, '/runners/register', evil, runnerHeaders(t, r2));
    expect([other.status, other.body.code]).toEqual([409, 'RUNNER_NAME_TAKEN']);
    const runner = (await call(t.app, 'GET', `/runners/${r1}`)).body;
    expect(runner).toMatchObject({ url: 'http://127.0.0.1:9/r1', boot_count: before.boot_count });
    const tk = (await call(t.app, 'GET', `/tasks/${task}`)).body;
    expect(tk).toMatchObject({ status: 'queued', attempt: 1 });
    expect((await events(t, 'task.runner_lost')).length).toBe(0);
    const refused = await events(t, 'runner.takeover_refused');
    expect(refused.map((e) => e.payload)).toEqual([
      expect.objectContaining({ runner_id: r1, url: evil.url, presented: 'bootstrap-token' }),
      expect.objectContaining({ runner_id: r1, presented: `credential of runner ${r2}` }),
    ]);
    // The real r1 is still served: its report lands.
    const ok = await raw(
      t,
      `/runner/tasks/${task}/status`,
      { attempt: 1, runner_id: r1, status: 'running' },
      runnerHeaders(t, r1),
    );
    expect(ok.status).toBe(200);
  });

  it('a report, batch, fence or log chunk from a runner that does not hold the attempt is 409 STALE_ATTEMPT and audited', async () => {
    t = await makeTestApi();
    const { r1, r2, task } = await victimWithWork(t);
    const R2 = runnerHeaders(t, r2);
    const lone = await raw(t, `/runner/tasks/${task}/status`, { attempt: 1, status: 'success' }, R2);
    expect([lone.status, lone.body.code]).toEqual([409, 'STALE_ATTEMPT']);
    // Naming the holder in the body does not help: the credential says who speaks.
    const lying = await raw(
      t,
      `/runner/tasks/${task}/status`,
      { attempt: 1, runner_id: r1, status: 'success' },
      R2,
    );
    expect([lying.status, lying.body.code]).toEqual([409, 'STALE_ATTEMPT']);
    const batch = await raw(
      t,
      '/runner/reports',
      { reports: [{ task_id: task, attempt: 1, status: 'failed' }] },
      R2,
    );
    expect(batch.status).toBe(200);
    expect(batch.body.results[0]).toMatchObject({ status_code: 409, code: 'STALE_ATTEMPT' });
    const fence = await raw(t, `/runner/tasks/${task}/fence`, { attempt: 1 }, R2);
    expect([fence.status, fence.body.code]).toEqual([409, 'STALE_ATTEMPT']);
    const log = await raw(
      t,
      `/runner/tasks/${task}/logs`,
      { attempt: 1, seq: 0, stream: 'stdout', data: 'x' },
      R2,
    );
    expect([log.status, log.body.code]).toEqual([409, 'STALE_ATTEMPT']);
    expect((await call(t.app, 'GET', `/tasks/${task}`)).body).toMatchObject({ status: 'queued', attempt: 1 });
    const refused = (await call(t.app, 'GET', `/events?task_id=${task}&event_type=task.report_refused`))
      .body as Array<{
      payload: Record<string, unknown>;
    }>;
    expect(refused).toHaveLength(3);
    for (const e of refused)
      expect(e.payload).toMatchObject({ code: 'STALE_ATTEMPT', from_runner_id: r2, authenticated: true });
    // The holder's own fence and report still pass.
    expect((await raw(t, `/runner/tasks/${task}/fence`, { attempt: 1 }, runnerHeaders(t, r1))).status).toBe(
      200,
    );
    const mine = await raw(
      t,
      '/runner/reports',
      { reports: [{ task_id: task, attempt: 1, status: 'running' }] },
      runnerHeaders(t, r1),
    );
    expect(mine.body.results[0]).toMatchObject({ status_code: 200, task_status: 'running' });
  });

  it("the shared token alone (v1's callback) still reports for the runner holding the attempt, and only for it", async () => {
    t = await makeTestApi();
    const { r1, r2, task } = await victimWithWork(t);
    const other = await raw(
      t,
      `/runner/tasks/${task}/status`,
      { attempt: 1, runner_id: r2, status: 'running' },
      { 'x-runner-token': RUNNER_TOKEN },
    );
    expect([other.status, other.body.code]).toEqual([409, 'STALE_ATTEMPT']);
    const holder = await report(t, task, { attempt: 1, runner_id: r1, status: 'running' });
    expect([holder.status, holder.body.status]).toEqual([200, 'running']);
    // A first-version body (no runner_id) speaks for the attempt's runner.
    const v1 = await report(t, task, { attempt: 1, status: 'success', exit_code: 0 });
    expect([v1.status, v1.body.status]).toEqual([200, 'success']);
    const updated = (
      await call(t.app, 'GET', `/events?task_id=${task}&event_type=task.runner_status_updated`)
    ).body as Array<{ payload: { runner_id: number } }>;
    expect(updated.map((e) => e.payload.runner_id)).toEqual([r1, r1]);
    expect((await raw(t, `/runner/tasks/${task}/status`, { attempt: 1, status: 'success' }, {})).status).toBe(
      401,
    );
  });

  it('an operator reset lets a runner that lost its data dir register under its name again', async () => {
    t = await makeTestApi();
    const { r1, task } = await victimWithWork(t);
    t.ctx.config.operatorToken = OP;
    const old = runnerHeaders(t, r1);
    // Verified (and remembered by the API) before the reset.
    expect((await raw(t, `/runners/${r1}/heartbeat`, {}, old)).status).toBe(200);
    expect((await raw(t, `/runners/${r1}/reset-credential`, {}, {})).status).toBe(401);
    expect((await raw(t, '/runners/999/reset-credential', {}, OPH)).status).toBe(404);
    const reset = await raw(t, `/runners/${r1}/reset-credential`, {}, OPH);
    expect([reset.status, reset.body.credential_issued_at]).toEqual([200, null]);
    expect((await events(t, 'runner.credential_reset')).map((e) => e.payload)).toEqual([
      expect.objectContaining({ runner_id: r1, name: 'r1', had_credential: true }),
    ]);
    // The old credential is dead at once; the task it holds is untouched until the runner comes back.
    expect((await raw(t, `/runners/${r1}/heartbeat`, {}, old)).status).toBe(401);
    expect((await call(t.app, 'GET', `/tasks/${task}`, undefined, OPH)).body.status).toBe('queued');
    // The rebuilt runner (no credential, empty journal) registers with the bootstrap token.
    const back = await raw(
      t,
      '/runners/register',
      { name: 'r1', url: 'http://127.0.0.1:9/r1-new', attempts: [] },
      H,
    );
    expect(back.status).toBe(200);
    expect(back.body.id).toBe(r1);
    expect(typeof back.body.credential).toBe('string');
    expect(back.body.url).toBe('http://127.0.0.1:9/r1-new');
    const fresh = { 'x-runner-credential': back.body.credential as string };
    expect((await raw(t, `/runners/${r1}/heartbeat`, {}, fresh)).status).toBe(200);
    expect((await raw(t, `/runners/${r1}/heartbeat`, {}, old)).status).toBe(401);
    // And the name is protected again.
    const impostor = await raw(t, '/runners/register', { name: 'r1', url: 'http://127.0.0.1:9/x' }, H);
    expect(impostor.body.code).toBe('RUNNER_NAME_TAKEN');
  });

  it('registration accepts only http(s) URLs on hosts that are not link-local', async () => {
    t = await makeTestApi();
    const bad = [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'data:text/plain,hi',
      'ftp://127.0.0.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://169.254.1.1:8080/',
      'http://0xa9fea9fe/',
      'http://2852039166/',
      'http://[fe80::1]:9000/',
      'http://[febf::1]/',
      'http://[::ffff:169.254.169.254]/',
    ];
    for (const [i, url] of bad.entries()) {
      const r = await raw(t, '/runners/register', { name: `bad-${i}`, url }, H);
      expect([url, r.status, r.body.code]).toEqual([url, 422, 'RUNNER_URL_INVALID']);
    }
    expect((await call(t.app, 'GET', '/runners')).body).toEqual([]);
    const good = [
      'http://127.0.0.1:8701',
      'https://runner.lan:8701/',
      'http://10.0.0.5:1',
      'http://192.168.1.20/',
      'http://172.16.0.1/',
      'http://[::1]:8701/',
      'http://[fec0::1]/',
    ];
    for (const [i, url] of good.entries()) {
      const r = await raw(t, '/runners/register', { name: `good-${i}`, url }, H);
      expect([url, r.status]).toEqual([url, 200]);
    }
  });
});
