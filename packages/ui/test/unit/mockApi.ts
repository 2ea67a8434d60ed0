import { vi } from 'vitest';
import type { RunView, TaskView } from '../../src/lib/types';

export type Route = (url: string, init: RequestInit | undefined) => Response | undefined;

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/**
 * `fetch` answered by the first route that answers; anything else is a 404 the test can see in
 * `calls`. Every call is recorded with its method and parsed body.
 */
export function mockApi(route: Route) {
  const calls: Array<{ method: string; url: string; body: unknown }> = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      calls.push({
        method: init?.method ?? 'GET',
        url,
        body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
      });
      return route(url, init) ?? json({ detail: `no mock for ${url}`, code: 'ROUTE_NOT_FOUND' }, 404);
    }),
  );
  return calls;
}

export function taskView(id: number, over: Partial<TaskView> = {}): TaskView {
  return {
    id,
    run_id: 1,
    step_id: `s${id}`,
    title: `Step ${id}`,
    status: 'created',
    attempt: 0,
    runner_id: null,
    depends_on: [],
    requires_approval: false,
    approval_id: null,
    approval_status: null,
    failure_category: null,
    failure_step: null,
    message: null,
    started_at: null,
    finished_at: null,
    created_at: '2026-01-01T00:00:00Z',
    failure_triage_hints: [],
    suggested_next_actions: [],
    ...over,
  };
}

export function runView(id: number, over: Partial<RunView> = {}): RunView {
  return {
    id,
    workflow_template_id: 1,
    status: 'running',
    initiated_by: null,
    created_at: '2026-01-01T00:00:00Z',
    started_at: null,
    finished_at: null,
    task_ids: [],
    failure_categories: [],
    duration_ms: null,
    success_rate: 0,
    failure_triage_hints: [],
    suggested_next_actions: [],
    ...over,
  };
}
