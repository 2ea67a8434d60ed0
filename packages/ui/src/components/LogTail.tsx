import { useEffect, useState } from 'react';
import { api, ApiError } from '../lib/api';
import type { LogChunk, LogsView } from '../lib/types';
import { ErrorBox } from './common';

const MAX_CHUNKS = 500;

/**
 * The last chunks of one attempt's output, then a long-poll (`follow=1`, the API answers when a chunk
 * arrives or after ~10 s) for the next ones until the task ends or the view closes.
 */
export function LogTail({ taskId, attempt }: { taskId: number; attempt: number }) {
  const [chunks, setChunks] = useState<LogChunk[]>([]);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    let alive = true;
    setChunks([]);
    setDone(false);
    setError(null);
    const follow = async () => {
      let last: number | null = null;
      let failures = 0;
      // Each round is one long-poll; the loop ends with the task, the view, or repeated errors.
      for (let round = 0; alive && round < 100_000 && failures < 5; round++) {
        const q: string =
          last === null ? `tail=200${round > 0 ? '&follow=1' : ''}` : `after_seq=${last}&follow=1`;
        try {
          const out: LogsView = await api<LogsView>(
            'GET',
            `/tasks/${taskId}/logs?attempt=${Math.max(1, attempt)}&${q}`,
          );
          if (!alive) return;
          failures = 0;
          setError(null);
          if (out.chunks.length) {
            last = out.chunks[out.chunks.length - 1]!.seq;
            setChunks((c) => [...c, ...out.chunks].slice(-MAX_CHUNKS));
          }
          if (out.done && out.chunks.length === 0) {
            setDone(true);
            return;
          }
        } catch (err) {
          if (!alive) return;
          failures++;
          setError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)));
          await new Promise((r) => setTimeout(r, 1000 * failures));
        }
      }
    };
    if (attempt > 0) void follow();
    else setDone(true);
    return () => {
      alive = false;
    };
  }, [taskId, attempt]);

  return (
    <section aria-label={`Log tail of task ${taskId}`}>
      <h3>
        Log tail · task {taskId} · attempt {attempt || '—'} {done ? '(ended)' : '(following)'}
      </h3>
      <ErrorBox error={error} />
      <pre className="log" data-testid="log-tail">
        {chunks.length > 0
          ? chunks.map((c) => c.data).join('')
          : attempt === 0
            ? 'not started'
            : done
              ? 'no output'
              : 'no output yet'}
      </pre>
    </section>
  );
}
