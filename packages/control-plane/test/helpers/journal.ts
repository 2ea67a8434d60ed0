import type { RunnerSubmit } from '@multyagents/contracts';

/** A submit of a no-op attempt, as the API would send it. */
export const submit = (task_id: number, attempt = 1): RunnerSubmit => ({
  task_id,
  attempt,
  run_id: 3,
  prompt: 'p',
  execution_mode: 'no-workspace',
  timeout_seconds: 60,
  status_callback_url: `http://api/runner/tasks/${task_id}/status`,
  status_callback_token: 'callback-token-0123456789',
});

/** The outcome fields of a successful attempt (Journal.finish). */
export const success = (finished_at = 'f') => ({
  status: 'success' as const,
  exit_code: 0,
  finished_at,
  message: 'ok',
  failure_step: null,
});
