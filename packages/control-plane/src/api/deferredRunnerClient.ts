import type { RunnerClient } from '../scheduler/runnerClient.js';

/**
 * A RunnerClient whose calls wait for `client`. The API's real one is built on undici, which is half
 * of what the API bundle loads; it is loaded once the API listens (api/server.ts), so a restart
 * after a crash answers before it. Every call made meanwhile (reconciliation, a dispatch) waits for it.
 */
export function deferredRunnerClient(client: Promise<RunnerClient>): RunnerClient {
  // A failed load rejects every call; unobserved until then, it must not count as unhandled.
  client.catch(() => undefined);
  return {
    submit: async (url, body) => (await client).submit(url, body),
    submitMany: async (url, bodies) => (await client).submitMany(url, bodies),
    getTask: async (url, taskId) => (await client).getTask(url, taskId),
    listTasks: async (url) => (await client).listTasks(url),
    cancel: async (url, taskId, attempt) => (await client).cancel(url, taskId, attempt),
    close: async () => (await client).close(),
  };
}
