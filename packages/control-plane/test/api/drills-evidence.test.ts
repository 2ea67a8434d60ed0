/**
 * `GET /drills` and `GET /drills/{evidenceId}` over a chaos evidence dir laid out as `multyagents
 * chaos` leaves it: newest first, summaries from report.json, broken reports listed with `error`,
 * and no way out of the dir (traversal, a symlinked folder pointing elsewhere).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DrillWatch } from '../../src/services/drillWatch.js';
import { call, makeTestApi, removeTempDirs, tempDir, type TestApi } from '../helpers/context.js';

function scenario(id: string, status: string, checks: Array<[string, boolean]>) {
  return {
    scenario: id,
    name: `drill ${id}`,
    status,
    checks: checks.map(([name, valid]) => ({ name, valid, detail: '' })),
    timings: { detection_ms: 10, recovery_ms: 20, wall_ms: 1234 },
    error: null,
  };
}

function folder(root: string, id: string, report: unknown, mtimeS: number): string {
  const dir = path.join(root, id);
  fs.mkdirSync(dir);
  if (report !== undefined)
    fs.writeFileSync(
      path.join(dir, 'report.json'),
      typeof report === 'string' ? report : JSON.stringify(report),
    );
  fs.utimesSync(dir, mtimeS, mtimeS);
  return dir;
}

describe('drills evidence', () => {
  let t: TestApi;
  afterEach(async () => {
    await t.close();
    removeTempDirs();
  });

  it('lists invocations newest first with their verdicts; corrupt or missing reports carry an error', async () => {
    const chaos = tempDir('ma-chaos-');
    const pass = {
      config: { seed: 7 },
      summary: { overall_status: 'success', total: 2, passed: 2, failed: 0, inconclusive: 0 },
      scenarios: [
        scenario('kill-runner', 'success', [['no_lost_task', true]]),
        scenario('partition', 'success', []),
      ],
    };
    const fail = {
      config: { seed: 3 },
      summary: { overall_status: 'failed', total: 2, passed: 1, failed: 1, inconclusive: 0 },
      scenarios: [
        scenario('kill-api', 'failed', [
          ['exactly_once', false],
          ['recovered', true],
        ]),
        scenario('wal', 'success', [['ok', true]]),
      ],
    };
    folder(chaos, '2026-01-02_10-00-00-seed7', pass, 2_000_000);
    folder(chaos, '2026-01-03_11-30-15-seed3', fail, 3_000_000);
    folder(chaos, 'corrupt', '{"summary": ', 1_000_000);
    folder(chaos, 'unfinished', undefined, 500_000);
    fs.writeFileSync(path.join(chaos, 'stray-file.json'), '{}');
    // A folder that is a symlink to somewhere outside the evidence dir is not read.
    const outside = tempDir('ma-outside-');
    fs.writeFileSync(path.join(outside, 'report.json'), JSON.stringify(pass));
    fs.symlinkSync(outside, path.join(chaos, 'escape'));
    t = await makeTestApi({ chaosDir: chaos });

    const list = (await call(t.app, 'GET', '/drills')).body;
    expect(list.map((e: { id: string }) => e.id)).toEqual([
      '2026-01-03_11-30-15-seed3',
      '2026-01-02_10-00-00-seed7',
      'corrupt',
      'unfinished',
    ]);
    expect(list[0]).toEqual({
      id: '2026-01-03_11-30-15-seed3',
      started_at: '2026-01-03T11:30:15.000Z',
      seed: 3,
      total: 2,
      passed: 1,
      failed: 1,
      inconclusive: 0,
      verdict: 'FAIL',
      drills: [
        {
          id: 'kill-api',
          status: 'failed',
          name: 'drill kill-api',
          checks: 2,
          failed_checks: ['exactly_once'],
          wall_ms: 1234,
          error: null,
        },
        {
          id: 'wal',
          status: 'success',
          name: 'drill wal',
          checks: 1,
          failed_checks: [],
          wall_ms: 1234,
          error: null,
        },
      ],
    });
    expect(list[1]).toMatchObject({ verdict: 'PASS', seed: 7, total: 2, passed: 2 });
    expect(list[2]).toMatchObject({ id: 'corrupt', verdict: 'FAIL', total: 0, drills: [] });
    expect(list[2].error).toMatch(/^report.json: /);
    expect(list[2].started_at).toBe(new Date(1_000_000_000).toISOString());
    expect(list[3].error).toContain('no report.json');
    expect((await call(t.app, 'GET', '/drills?limit=1')).body.map((e: { id: string }) => e.id)).toEqual([
      '2026-01-03_11-30-15-seed3',
    ]);

    expect((await call(t.app, 'GET', '/drills/2026-01-02_10-00-00-seed7')).body).toEqual(pass);
    expect((await call(t.app, 'GET', '/drills/corrupt')).body.code).toBe('DRILL_REPORT_UNREADABLE');
    expect((await call(t.app, 'GET', '/drills/unfinished')).body.code).toBe('DRILL_EVIDENCE_NOT_FOUND');
    expect((await call(t.app, 'GET', '/drills/escape')).body.code).toBe('DRILL_EVIDENCE_NOT_FOUND');
    expect((await call(t.app, 'GET', '/drills/nope')).status).toBe(404);
    // Anything that is not a plain folder name is refused before the file system is asked; `..`
    // never reaches the route (the URL is normalised first); Fastify caps a path parameter at 100.
    for (const bad of ['..%2f..%2fetc', 'a%2fb', 'a%00b', 'a%20b'])
      expect([bad, (await call(t.app, 'GET', `/drills/${bad}`)).body.code]).toEqual([
        bad,
        'VALIDATION_FAILED',
      ]);
    for (const bad of ['..', '%2e%2e', '.%2e', 'x'.repeat(201)]) {
      const r = await call(t.app, 'GET', `/drills/${bad}`);
      expect([bad, r.status === 200]).toEqual([bad, false]);
    }
  });

  it('an evidence dir that does not exist is an empty list', async () => {
    t = await makeTestApi({ chaosDir: path.join(tempDir(), 'never-ran') });
    expect((await call(t.app, 'GET', '/drills')).body).toEqual([]);
    expect((await call(t.app, 'GET', '/drills/x')).body.code).toBe('DRILL_EVIDENCE_NOT_FOUND');
  });
});

describe('drill watch: new chaos reports become events', () => {
  let t: TestApi;
  afterEach(async () => {
    await t.close();
    removeTempDirs();
  });

  const report = (overall: string) => ({
    config: { seed: 5 },
    summary: {
      overall_status: overall,
      total: 1,
      passed: overall === 'success' ? 1 : 0,
      failed: 0,
      inconclusive: 0,
    },
    scenarios: [scenario('kill-runner', overall, [['no_lost_task', overall === 'success']])],
  });
  const drillEvents = async () =>
    ((await call(t.app, 'GET', '/events?limit=1000')).body as Array<{ event_type: string; payload: unknown }>)
      .filter((e) => e.event_type === 'drill.report_written')
      .map((e) => e.payload);

  it('announces each report once, when it appears; reports there at start and unfinished runs are not announced', async () => {
    const chaos = tempDir('ma-chaos-watch-');
    folder(chaos, '2026-12-06_10-00-00-seed1', report('success'), 1_700_000_000);
    t = await makeTestApi({ chaosDir: chaos, drillWatchMs: 0 });
    const watch = new DrillWatch(t.ctx);
    expect(await watch.scan()).toBe(0); // the first look only learns what is there
    const running = folder(chaos, '2026-12-06_11-00-00-seed2', undefined, 1_700_000_100);
    expect(await watch.scan()).toBe(0); // no report yet: the run is still going
    fs.writeFileSync(path.join(running, 'report.json'), JSON.stringify(report('failed')));
    folder(chaos, 'not an id!', report('success'), 1_700_000_200);
    expect(await watch.scan()).toBe(1);
    expect(await watch.scan()).toBe(0); // never twice
    expect(await drillEvents()).toEqual([
      {
        evidence_id: '2026-12-06_11-00-00-seed2',
        verdict: 'FAIL',
        total: 1,
        passed: 0,
        failed: 0,
        inconclusive: 0,
      },
    ]);
    await watch.stop();
  });

  it('a missing chaos dir is no error, and one made later is watched', async () => {
    const chaos = path.join(tempDir('ma-chaos-late-'), 'chaos');
    t = await makeTestApi({ chaosDir: chaos, drillWatchMs: 0 });
    const watch = new DrillWatch(t.ctx);
    expect(await watch.scan()).toBe(0);
    fs.mkdirSync(chaos);
    folder(chaos, '2026-12-06_12-00-00-seed3', report('success'), 1_700_000_300);
    expect(await watch.scan()).toBe(1);
    expect(await drillEvents()).toMatchObject([
      { evidence_id: '2026-12-06_12-00-00-seed3', verdict: 'PASS' },
    ]);
  });
});
