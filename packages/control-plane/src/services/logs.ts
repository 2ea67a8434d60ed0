import { isTerminalTask } from '../domain/taskMachine.js';
import { lastLogChunks, logChunksAfter } from '../store/ops/logs.js';
import type { ServiceContext } from './context.js';
import { requireTask } from './tasks.js';

/**
 * Output of a task's attempt. `tail` = the last N chunks; `after_seq` pages forward; `follow`
 * long-polls (up to ~10 s) until a chunk after `after_seq` arrives or the task ends.
 */
export async function taskLogs(
  ctx: ServiceContext,
  id: number,
  q: { tail?: number; after_seq?: number; follow?: string; attempt?: number },
) {
  const follow = q.follow === '1' || q.follow === 'true';
  const deadline = Date.now() + 10_000;
  for (;;) {
    const out = await ctx.store.read(async (sql) => {
      const t = await requireTask(sql, id);
      const attempt = q.attempt ?? t.attempt;
      const chunks =
        q.after_seq !== undefined
          ? await logChunksAfter(sql, id, attempt, q.after_seq, 10_000)
          : await lastLogChunks(sql, id, attempt, q.tail ?? 200);
      return {
        task_id: id,
        attempt,
        status: t.status,
        done: isTerminalTask(t.status),
        chunks: chunks.map((c) => ({ seq: c.seq, stream: c.stream, data: c.data })),
        next_seq: chunks.length ? chunks[chunks.length - 1]!.seq : (q.after_seq ?? 0),
        output_tail: t.output_tail,
      };
    });
    if (!follow || out.chunks.length > 0 || out.done || Date.now() > deadline) return out;
    await new Promise((r) => setTimeout(r, 200));
  }
}
