import { fork, type ChildProcess } from 'node:child_process';
import { workerFile } from './paths.js';

export interface WorkerHandle<T> {
  child: ChildProcess;
  result: Promise<T>;
}

/** Fork the helper process in `mode` and wait for its one answer (see worker.ts). */
export function startWorker<T>(mode: string, params: unknown, timeoutMs = 600_000): WorkerHandle<T> {
  const child = fork(workerFile(), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const result = new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker ${mode} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('message', (m: { ok: boolean; result?: T; error?: string }) => {
      clearTimeout(timer);
      if (m.ok) resolve(m.result as T);
      else reject(new Error(`worker ${mode} failed: ${m.error}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`worker ${mode} exited (${code ?? signal}) without an answer`));
    });
  });
  child.send({ mode, params });
  return { child, result };
}

export function runWorker<T>(mode: string, params: unknown, timeoutMs?: number): Promise<T> {
  return startWorker<T>(mode, params, timeoutMs).result;
}
