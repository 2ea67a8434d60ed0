/**
 * Reading back what the system recorded: the API's event log (all of it, paged), runs, tasks and
 * attempts over HTTP, and the effect ledger from disk. Oracles only ever look at this.
 */
import fs from 'node:fs';
import type { ApiClient } from './client.js';
import type { AckSnapshot, AttemptRec, EventRec, History, LedgerRec, RunRec, TaskRec } from './types.js';

export function readLedgerFile(file: string): LedgerRec[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: LedgerRec[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as LedgerRec);
    } catch {
      // A torn last line would itself be a finding: keep it visible.
      out.push({ task_id: -1, attempt: -1, pid: null, started_at: `unparsable: ${line.slice(0, 80)}` });
    }
  }
  return out;
}

export async function fetchEvents(client: ApiClient): Promise<EventRec[]> {
  const out: EventRec[] = [];
  let after = 0;
  for (;;) {
    const page = await client.get<EventRec[]>(`/events?limit=10000&after_id=${after}`);
    out.push(...page);
    if (page.length < 10000) return out;
    after = page[page.length - 1]!.id;
  }
}

export async function fetchRuns(client: ApiClient): Promise<RunRec[]> {
  const runs = await client.get<Array<RunRec & Record<string, unknown>>>('/workflow-runs');
  return runs.map((r) => ({ id: r.id, status: r.status, task_ids: r.task_ids }));
}

export async function fetchTasks(client: ApiClient): Promise<TaskRec[]> {
  const tasks = await client.get<Array<TaskRec & Record<string, unknown>>>('/tasks?limit=10000');
  return tasks.map((t) => ({
    id: t.id,
    run_id: t.run_id,
    step_id: t.step_id ?? null,
    status: t.status,
    attempt: t.attempt,
    failure_category: t.failure_category ?? null,
    failure_triage_hints: t.failure_triage_hints ?? [],
  }));
}

export async function fetchAttempts(client: ApiClient, taskIds: readonly number[]): Promise<AttemptRec[]> {
  const out: AttemptRec[] = [];
  for (const id of taskIds) {
    const audit = await client.get<{ attempts: Array<AttemptRec & Record<string, unknown>> }>(
      `/tasks/${id}/audit`,
    );
    for (const a of audit.attempts)
      out.push({ task_id: a.task_id, attempt: a.attempt, runner_id: a.runner_id, status: a.status });
  }
  return out;
}

export async function collectHistory(client: ApiClient, ledgerFile: string): Promise<History> {
  const events = await fetchEvents(client);
  const runs = await fetchRuns(client);
  const tasks = await fetchTasks(client);
  const attempts = await fetchAttempts(
    client,
    tasks.map((t) => t.id),
  );
  return { events, runs, tasks, attempts, ledger: readLedgerFile(ledgerFile) };
}

/** What the API has acknowledged right now: its events, task and run states. */
export async function takeSnapshot(client: ApiClient): Promise<AckSnapshot> {
  const at = new Date().toISOString();
  const events = await fetchEvents(client);
  const tasks = (await fetchTasks(client)).map((t) => ({ id: t.id, status: t.status, attempt: t.attempt }));
  const runs = (await fetchRuns(client)).map((r) => ({ id: r.id, status: r.status }));
  return { at, events, tasks, runs };
}
