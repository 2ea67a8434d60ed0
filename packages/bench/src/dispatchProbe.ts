import { wallMs } from './clock.js';
import { BenchClient } from './http.js';
import { ProbeRunner, type Submit } from './probeRunner.js';

/** Submits that reached the probe, per run, handed out in arrival order. */
export class Inbox {
  private readonly queued = new Map<number, Submit[]>();
  private readonly waiters = new Map<number, (s: Submit) => void>();

  push(s: Submit): void {
    const run = s.run_id ?? 0;
    const w = this.waiters.get(run);
    if (w) {
      this.waiters.delete(run);
      w(s);
      return;
    }
    const q = this.queued.get(run) ?? [];
    q.push(s);
    this.queued.set(run, q);
  }

  /** A submit of this run already arrived (without waiting). */
  take(runId: number): Submit | undefined {
    return this.queued.get(runId)?.shift();
  }

  next(runId: number, timeoutMs = 30_000): Promise<Submit> {
    const q = this.queued.get(runId);
    if (q?.length) return Promise.resolve(q.shift()!);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters.delete(runId);
        reject(new Error(`no submit for run ${runId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(runId, (s) => {
        clearTimeout(t);
        resolve(s);
      });
    });
  }
}

export interface ProbeParams {
  apiUrl: string;
  token: string;
  twoStepTemplateId: number;
  fanoutTemplateId: number;
  fanout: number;
  samples: number;
  warmup: number;
  fanoutRepeats: number;
  /** Stop taking B2 samples after this long (a degraded store must not stall the benchmark). */
  maxMs?: number;
}

export interface ProbeResult {
  /** B2: ms from the API's answer to the report that made B ready, to B's submit at the probe. */
  dispatch_from_ack: number[];
  /** B2, upper bound: from the moment that report was sent. */
  dispatch_from_send: number[];
  /** B8: per repeat, ms from the root's report answer to the last (and each) child submit. */
  fanout_last: number[];
  fanout_each: number[];
  /** B8, upper bound: from the moment the root's report was sent. */
  fanout_last_from_send: number[];
  /** Why sampling stopped early (a submit that never came), if it did. */
  error?: string;
}

/** B2 and B8 against a stack whose only runner is the probe. */
export async function probeDispatch(p: ProbeParams): Promise<ProbeResult> {
  const probe = new ProbeRunner(p.apiUrl, p.token, 1000);
  const inbox = new Inbox();
  probe.onSubmit = (s) => inbox.push(s);
  await probe.start();
  const api = new BenchClient(p.apiUrl, { connections: 4 });
  const out: ProbeResult = {
    dispatch_from_ack: [],
    dispatch_from_send: [],
    fanout_last: [],
    fanout_each: [],
    fanout_last_from_send: [],
  };
  try {
    const until = wallMs() + (p.maxMs ?? Infinity);
    for (let i = 0; i < p.warmup + p.samples && wallMs() < until; i++) {
      const run = await api.post<{ id: number }>('/workflow-runs', {
        workflow_template_id: p.twoStepTemplateId,
      });
      const a = await inbox.next(run.id).catch((err: Error) => err);
      if (a instanceof Error) {
        out.error = a.message;
        break;
      }
      const sent = wallMs();
      const ack = await probe.report(a.task_id, a.attempt, 'success');
      const b = await inbox.next(run.id);
      if (i >= p.warmup) {
        out.dispatch_from_ack.push(b.receivedAt - ack);
        out.dispatch_from_send.push(b.receivedAt - sent);
      }
      await probe.report(b.task_id, b.attempt, 'success');
    }
    for (let i = 0; p.fanoutRepeats > 0 && i < p.fanoutRepeats + 1; i++) {
      const run = await api.post<{ id: number }>('/workflow-runs', {
        workflow_template_id: p.fanoutTemplateId,
      });
      const root = await inbox.next(run.id);
      const sent = wallMs();
      const ack = await probe.report(root.task_id, root.attempt, 'success');
      const children: Submit[] = [];
      for (let c = 0; c < p.fanout; c++) children.push(await inbox.next(run.id));
      // The first repeat warms the connection pool of the API's runner client.
      if (i > 0) {
        out.fanout_last.push(Math.max(...children.map((c) => c.receivedAt)) - ack);
        out.fanout_last_from_send.push(Math.max(...children.map((c) => c.receivedAt)) - sent);
        out.fanout_each.push(...children.map((c) => c.receivedAt - ack));
      }
      await Promise.all(children.map((c) => probe.report(c.task_id, c.attempt, 'success')));
    }
  } finally {
    await api.close();
    await probe.stop();
  }
  return out;
}
