/** Setting up and watching workflow runs over HTTP, the way an operator's client would. */
import type { ApiClient } from './client.js';
import { readLedgerFile } from './history.js';
import { waitUntil } from './procinfo.js';
import type { LedgerRec } from './types.js';

export interface StepSpec {
  id: string;
  depends_on?: string[];
  /** executor_params.mock of the step (duration_ms, hang, spawn_child, exit_code, ...). */
  mock: Record<string, unknown>;
  requires_approval?: boolean;
  timeout_seconds?: number;
}

export interface FlowSpec {
  name: string;
  steps: StepSpec[];
  /** Retries on runner-transient failures (runner-submit, runner-lost). */
  retries?: number;
  backoffMs?: number;
}

export interface CreatedRun {
  run_id: number;
  task_ids: number[];
}

export interface TaskView {
  id: number;
  status: string;
  attempt: number;
  run_id: number | null;
  step_id: string | null;
  runner_id?: number | null;
  failure_category: string | null;
  failure_triage_hints: string[];
  message?: string | null;
  runner_unreachable_since?: string | null;
  [k: string]: unknown;
}

export async function createFlow(
  client: ApiClient,
  spec: FlowSpec,
): Promise<{ role_id: number; template_id: number }> {
  const role = await client.post<{ id: number }>('/roles', {
    name: `${spec.name}-agent`,
    system_prompt: 'chaos drill agent',
    execution_constraints: {
      retry_policy: {
        max_retries: spec.retries ?? 0,
        retry_on: spec.retries ? ['runner-transient'] : [],
        backoff_initial_ms: spec.backoffMs ?? 200,
        backoff_max_ms: 2000,
      },
    },
  });
  const tpl = await client.post<{ id: number }>('/workflow-templates', {
    name: spec.name,
    steps: spec.steps.map((s) => ({
      step_id: s.id,
      role_id: role.id,
      title: `${spec.name}: ${s.id}`,
      depends_on: s.depends_on ?? [],
      executor_params: { mock: s.mock },
      ...(s.requires_approval ? { requires_approval: true } : {}),
      timeout_seconds: s.timeout_seconds ?? 120,
    })),
  });
  return { role_id: role.id, template_id: tpl.id };
}

export async function startRun(client: ApiClient, templateId: number): Promise<CreatedRun> {
  const run = await client.post<{ id: number; task_ids: number[] }>('/workflow-runs', {
    workflow_template_id: templateId,
  });
  return { run_id: run.id, task_ids: run.task_ids };
}

export function getTask(client: ApiClient, id: number): Promise<TaskView> {
  return client.get<TaskView>(`/tasks/${id}`);
}

export async function waitTask(
  client: ApiClient,
  id: number,
  pred: (t: TaskView) => boolean,
  timeoutMs: number,
): Promise<TaskView | null> {
  let last: TaskView | null = null;
  const ok = await waitUntil(
    async () => {
      last = await getTask(client, id);
      return pred(last);
    },
    timeoutMs,
    30,
  );
  return ok ? last : null;
}

const TERMINAL_RUN = ['success', 'failed', 'aborted'];

export async function waitRunTerminal(
  client: ApiClient,
  runId: number,
  timeoutMs: number,
): Promise<string | null> {
  let status: string | null = null;
  await waitUntil(
    async () => {
      status = (await client.get<{ status: string }>(`/workflow-runs/${runId}`)).status;
      return TERMINAL_RUN.includes(status);
    },
    timeoutMs,
    50,
  );
  return status;
}

/** Wait until the effect ledger shows the agent of (task, attempt) started. */
export async function waitLedger(
  file: string,
  taskId: number,
  attempt: number | null,
  timeoutMs: number,
): Promise<LedgerRec | null> {
  return waitUntil(
    () =>
      readLedgerFile(file).find((l) => l.task_id === taskId && (attempt === null || l.attempt === attempt)) ??
      null,
    timeoutMs,
    20,
  );
}

/** The step is really running: the API says running and the agent wrote its ledger line. */
export async function waitRunning(
  client: ApiClient,
  ledgerFile: string,
  taskId: number,
  attempt: number,
  timeoutMs: number,
) {
  const t = await waitTask(client, taskId, (x) => x.status === 'running' && x.attempt === attempt, timeoutMs);
  const l = t ? await waitLedger(ledgerFile, taskId, attempt, timeoutMs) : null;
  return t && l ? { task: t, ledger: l } : null;
}
