/**
 * What services need from outside the process, as interfaces the services own: the API's calls to
 * runners. The HTTP implementation lives in scheduler/runnerClient.ts; tests pass a fake. Services
 * receive it through their context and never import the scheduler.
 */
import type { RunnerAttemptState, RunnerSubmit } from '@multyagents/contracts';

export type SubmitOutcome =
  | { ok: true; runnerStatus: string; message: string }
  | { ok: false; kind: SubmitFailureKind; httpStatus: number | null; message: string };

/**
 * `unreachable`: the request never reached the runner (connection refused, connect timeout, DNS) — a
 * definite "not delivered". `unknown`: it may have arrived (timeout or reset after sending) — the
 * runner may be running the attempt, so it must not be treated as a failure. `capacity` (429) and
 * `draining` (503 RUNNER_DRAINING): the runner is busy or shutting down — the task is placed again,
 * no retry spent. `refused`: any other answer.
 */
export type SubmitFailureKind = 'unreachable' | 'unknown' | 'capacity' | 'draining' | 'refused';

export interface RunnerClient {
  submit(url: string, body: RunnerSubmit): Promise<SubmitOutcome>;
  /**
   * Several attempts to one runner in one request (`POST /tasks/submit-batch`), one outcome per body in
   * order; falls back to one submit per attempt for a runner without the batch endpoint.
   */
  submitMany(url: string, bodies: RunnerSubmit[]): Promise<SubmitOutcome[]>;
  /** null when the runner does not know the attempt (404); throws when unreachable. */
  getTask(url: string, taskId: number): Promise<RunnerAttemptState | null>;
  listTasks(url: string): Promise<RunnerAttemptState[]>;
  /** true when the runner acknowledged (or no longer knows the task); throws when unreachable. */
  cancel(url: string, taskId: number, attempt: number): Promise<boolean>;
  close(): Promise<void>;
}
