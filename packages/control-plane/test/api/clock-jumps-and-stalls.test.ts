/**
 * The API's own clocks (scheduler/clockWatch.ts), on a fake clock with the checks called directly:
 * a wall-clock jump moves deadlines and heartbeat times with it (no mass expiry, no false runner
 * timeout), and a pause of the API itself longer than the heartbeat timeout gives runners a fresh
 * timeout instead of declaring them unreachable. Found by the chaos drills clock_jumps and
 * api_paused_reports_due (docs/drills.md).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { checkClocks, ClockWatch } from '../../src/scheduler/clockWatch.js';
import { sweep } from '../../src/scheduler/sweeper.js';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';
import { registerRunner, report, seedTwoStep, startRun } from '../helpers/fixtures.js';

describe('clock jumps and API stalls', () => {
  let t: TestApi;
  afterEach(() => t.close());

  /** Real time passing with the scheduler's passes every 200 ms (each one looks at the clocks). */
  async function passes(watch: ClockWatch, ms: number): Promise<void> {
    for (let done = 0; done < ms; done += 200) {
      t.clock.advance(Math.min(200, ms - done));
      await checkClocks(t.ctx, watch);
    }
  }

  const deadlineLeft = async (id: number) =>
    (await t.store.read((sql) =>
      sql.get<{ d: number }>('SELECT deadline_at AS d FROM tasks WHERE id = ?', [id]),
    ))!.d - t.clock.now();

  async function runningStep(): Promise<number> {
    t = await makeTestApi({ heartbeatTimeoutMs: 5_000, lostGraceMs: 5_000, schedulerIntervalMs: 200 });
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t);
    const run = await startRun(t, templateId);
    const plan = run.task_ids[0]!;
    await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    await report(t, plan, { status: 'running', attempt: 1 });
    return plan;
  }

  it('a +1 h wall-clock jump expires nothing and times no runner out', async () => {
    const plan = await runningStep();
    const watch = new ClockWatch();
    await checkClocks(t.ctx, watch);
    const before = (await call(t.app, 'GET', `/tasks/${plan}`)).body;
    const left = await deadlineLeft(plan);
    t.clock.jumpWall(3_600_000);
    t.clock.advance(200);
    expect((await checkClocks(t.ctx, watch)).jumpMs).toBe(3_600_000);
    const s = await sweep(t.ctx);
    expect({ timedOut: s.timedOut, unreachable: s.unreachable, lost: s.lost }).toEqual({
      timedOut: 0,
      unreachable: 0,
      lost: 0,
    });
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body.status).toBe(before.status);
    const events = (await call(t.app, 'GET', '/events?limit=500')).body as Array<{ event_type: string }>;
    expect(events.some((e) => e.event_type === 'api.clock_jumped')).toBe(true);
    // The deadline keeps its remaining time, on the new clock.
    expect(await deadlineLeft(plan)).toBe(left - 200);
  });

  it('a backward jump does not keep a silent runner online for the size of the jump', async () => {
    await runningStep();
    const watch = new ClockWatch();
    await checkClocks(t.ctx, watch);
    t.clock.jumpWall(-3_600_000);
    t.clock.advance(200);
    expect((await checkClocks(t.ctx, watch)).jumpMs).toBe(-3_600_000);
    await passes(watch, 6_000); // silent past the heartbeat timeout, real time
    expect((await sweep(t.ctx)).unreachable).toBe(1);
  });

  it('the API frozen past the heartbeat timeout does not declare its runners unreachable', async () => {
    const plan = await runningStep();
    const watch = new ClockWatch();
    await checkClocks(t.ctx, watch);
    t.clock.advance(10_000); // SIGSTOP for 10 s: wall and real time both pass, no heartbeat landed
    expect((await checkClocks(t.ctx, watch)).stallMs).toBe(10_000);
    expect((await sweep(t.ctx)).unreachable).toBe(0);
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body.status).toBe('running');
    // Still detected if it stays silent afterwards.
    await passes(watch, 5_200);
    expect((await sweep(t.ctx)).unreachable).toBe(1);
  });
});
