import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveContext } from '../../src/lib/hooks';
import { LiveBus } from '../../src/lib/live';
import type { DrillEvidenceView, EventRecord } from '../../src/lib/types';
import { DrillPage, Drills } from '../../src/pages/Drills';

const good: DrillEvidenceView = {
  id: '2026-05-01_10-00-00-seed42',
  started_at: '2026-05-01T10:00:00.000Z',
  seed: 42,
  total: 2,
  passed: 1,
  failed: 1,
  inconclusive: 0,
  verdict: 'FAIL',
  drills: [
    {
      id: 'runner-killed',
      status: 'success',
      name: 'Runner killed',
      checks: 3,
      failed_checks: [],
      wall_ms: 9000,
      error: null,
    },
    {
      id: 'api-restart',
      status: 'failed',
      name: 'API restart',
      checks: 3,
      failed_checks: ['no-lost-ack'],
      wall_ms: 12000,
      error: null,
    },
  ],
};
const corrupt: DrillEvidenceView = {
  id: '2026-04-30_09-00-00-seed7',
  started_at: null,
  seed: 7,
  total: 0,
  passed: 0,
  failed: 0,
  inconclusive: 0,
  verdict: 'FAIL',
  drills: [],
  error: 'report.json: Unexpected end of JSON input',
};

const report = {
  config: {
    seed: 42,
    versions: { multyagents: '0.1.0', node: 'v20.0.0' },
    drills: ['runner-killed', 'api-restart'],
  },
  summary: { overall_status: 'failed', total: 2, passed: 1, failed: 1, inconclusive: 0 },
  scenarios: [
    {
      scenario: 'runner-killed',
      name: 'Runner killed',
      status: 'success',
      details: { runs: [1, 2] },
      fault: {
        what: 'SIGKILL runner 1',
        when: ['2026-05-01T10:00:03Z'],
        fired: true,
        healed: true,
        notes: [],
      },
      checks: [{ name: 'no-double-effect', valid: true, detail: 'each attempt ran once' }],
      timings: { detection_ms: 1200, recovery_ms: 3400, wall_ms: 9000 },
      budgets: { detection_ms: 5000, recovery_ms: 20000 },
      seed: 42,
      schedule: { at_ms: 3000 },
      evidence: '/data/chaos/x/runner-killed',
      error: null,
    },
    {
      scenario: 'api-restart',
      name: 'API restart',
      status: 'failed',
      details: {},
      fault: { what: 'SIGKILL api', when: [], fired: true, healed: false, notes: ['restart took long'] },
      checks: [
        { name: 'no-lost-ack', valid: false, detail: 'task 4 acknowledged, then gone' },
        { name: 'recovered', valid: false, detail: 'precondition missing', inconclusive: true },
      ],
      timings: { detection_ms: null, recovery_ms: null, wall_ms: 12000 },
      budgets: { detection_ms: null, recovery_ms: null },
      seed: 42,
      schedule: {},
      evidence: null,
      error: 'the API did not come back',
    },
  ],
};

function mockFetch(routes: Record<string, [number, unknown]>) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      const [status, body] = routes[url] ?? [404, { code: 'ROUTE_NOT_FOUND', detail: url }];
      return new Response(JSON.stringify(body), { status });
    }),
  );
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('Drills', () => {
  it('lists each invocation (date, seed, verdict, counts) and keeps a corrupt one listed with its error', async () => {
    mockFetch({ '/drills': [200, [good, corrupt]] });
    render(<Drills />);
    const table = await screen.findByRole('table', { name: 'Drill runs' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.getAttribute('data-evidence'))).toEqual([good.id, corrupt.id]);
    expect(within(rows[0]!).getByRole('link', { name: good.id }).getAttribute('href')).toBe(
      `#/drills/${good.id}`,
    );
    expect(rows[0]!.textContent).toContain('42');
    expect(rows[0]!.textContent).toContain('FAIL');
    expect(rows[0]!.textContent).toContain('1 / 1 / 0 of 2');
    expect(rows[0]!.textContent).toMatch(/runner-killed\s*success/);
    expect(
      within(rows[0]!)
        .getByText(/api-restart/)
        .getAttribute('title'),
    ).toBe('no-lost-ack');
    expect(within(rows[1]!).getByRole('note').textContent).toBe(
      'unreadable: report.json: Unexpected end of JSON input',
    );
    expect(rows[1]!.textContent).toContain('0 / 0 / 0 of 0');
  });

  it('a drill.report_written event on the stream refetches the list: a new report shows without a reload', async () => {
    const routes: Record<string, [number, unknown]> = { '/drills': [200, [corrupt]] };
    mockFetch(routes);
    const bus = new LiveBus();
    render(
      <LiveContext.Provider value={bus}>
        <Drills />
      </LiveContext.Provider>,
    );
    await screen.findByRole('table', { name: 'Drill runs' });
    expect(screen.queryByRole('button', { name: 'Reload' })).toBeNull();
    routes['/drills'] = [200, [good, corrupt]];
    act(() => bus.publish({ id: 3, event_type: 'task.created', run_id: 1, task_id: 1 } as EventRecord));
    act(() =>
      bus.publish({ id: 4, event_type: 'drill.report_written', run_id: null, task_id: null } as EventRecord),
    );
    await waitFor(() =>
      expect(
        within(screen.getByRole('table', { name: 'Drill runs' }))
          .getAllByRole('row')
          .slice(1)
          .map((r) => r.getAttribute('data-evidence')),
      ).toEqual([good.id, corrupt.id]),
    );
    // One fetch at mount, one for the drill event; the task event touched nothing.
    expect(vi.mocked(fetch).mock.calls.map((c) => c[0])).toEqual(['/drills', '/drills']);
  });

  it('explains that `multyagents chaos` writes the reports when there are none; shows an API error with its code', async () => {
    mockFetch({ '/drills': [200, []] });
    render(<Drills />);
    const empty = await screen.findByText(/No drill evidence yet/);
    expect(empty.textContent).toContain('multyagents chaos');
    expect(empty.textContent).toContain('MULTYAGENTS_CHAOS_DIR');
    cleanup();
    mockFetch({ '/drills': [500, { code: 'INTERNAL', detail: 'chaos dir unreadable' }] });
    render(<Drills />);
    expect((await screen.findByRole('alert')).textContent).toBe('INTERNAL chaos dir unreadable');
  });

  it('shows one report: the overall verdict, each drill with its fault, timings against budgets and checks', async () => {
    mockFetch({ [`/drills/${good.id}`]: [200, report] });
    render(<DrillPage id={good.id} />);
    expect((await screen.findByTestId('drill-summary')).textContent).toBe(
      'FAIL 2 drills: 1 passed, 1 failed, 0 inconclusive',
    );
    const killed = screen.getByRole('region', { name: 'Drill runner-killed' });
    expect(killed.textContent).toContain('Fault: SIGKILL runner 1 — fired, healed');
    expect(killed.textContent).toContain(
      'detection 1200 ms (budget 5000 ms), recovery 3400 ms (budget 20000 ms), wall 9000 ms',
    );
    expect(killed.textContent).toContain('evidence: /data/chaos/x/runner-killed');
    const restart = screen.getByRole('region', { name: 'Drill api-restart' });
    expect(restart.textContent).toContain('error the API did not come back');
    expect(restart.textContent).toContain('not healed (restart took long)');
    const checks = within(within(restart).getByRole('table', { name: 'Checks of api-restart' })).getAllByRole(
      'row',
    );
    expect(checks.slice(1).map((r) => r.textContent)).toEqual([
      'no-lost-ackviolatedtask 4 acknowledged, then gone',
      'recoveredinconclusiveprecondition missing',
    ]);
    // Keys without a place of their own are still listed (details, schedule, seed).
    expect(within(killed).getByText('schedule')).toBeTruthy();
    expect(within(killed).getByText('at_ms')).toBeTruthy();
  });

  it('a report not in the chaos shape is shown raw, and an unknown id shows the API error', async () => {
    mockFetch({
      '/drills/odd': [200, { hello: 'world' }],
      '/drills/gone': [404, { code: 'NOT_FOUND', detail: 'no drill evidence gone' }],
    });
    render(<DrillPage id="odd" />);
    expect((await screen.findByRole('alert')).textContent).toContain('not in the chaos report shape');
    expect(screen.getByText(/"hello": "world"/)).toBeTruthy();
    cleanup();
    render(<DrillPage id="gone" />);
    expect((await screen.findByRole('alert')).textContent).toBe('NOT_FOUND no drill evidence gone');
  });
});
