import type { ProbeResult } from '../dispatchProbe.js';
import { pct, xFloor, type Floors, type MetricResult } from '../report.js';
import type { BenchStack } from '../stack.js';
import { summarize } from '../stats.js';
import { runWorker } from '../workers.js';
import type { Templates } from '../workloads.js';

export interface ProbeMetricParams {
  samples: number;
  fanoutRepeats: number;
  fanout: number;
}

/** B2 (dispatch latency) and B8 (fan-out) with the measuring probe as the stack's only runner. */
export async function b2b8(
  stack: BenchStack,
  templates: Templates,
  floors: Floors,
  p: ProbeMetricParams,
): Promise<{ b2: MetricResult; b8: MetricResult }> {
  const r = await runWorker<ProbeResult>('probe', {
    apiUrl: stack.apiUrl,
    token: stack.token(),
    twoStepTemplateId: templates.twoStep,
    fanoutTemplateId: templates.fanout,
    fanout: p.fanout,
    samples: p.samples,
    warmup: Math.min(50, Math.ceil(p.samples / 5)),
    fanoutRepeats: p.fanoutRepeats,
  });
  const floor = floors.request_floor_ms;
  const fromAck = summarize(r.dispatch_from_ack);
  const fromSend = summarize(r.dispatch_from_send);
  const last = summarize(r.fanout_last);
  const each = summarize(r.fanout_each);
  const lastFromSend = summarize(r.fanout_last_from_send);
  return {
    b2: {
      id: 'B2',
      title: 'dispatch latency (ready committed → runner received)',
      status: 'ok',
      rows: [
        {
          id: 'B2',
          metric: 'dispatch: ready ack → runner got submit',
          value: pct(fromAck),
          ratio: xFloor(fromAck.p50, floor),
          goal: "≤ peer's enqueue→start",
        },
        {
          id: 'B2',
          metric: 'dispatch: report sent → runner got submit',
          value: pct(fromSend),
          ratio: xFloor(fromSend.p50, floor),
          goal: 'upper bound (includes the report)',
        },
      ],
      data: { from_ack_ms: fromAck, from_send_ms: fromSend, floor_ms: floor },
    },
    b8: {
      id: 'B8',
      title: `fan-out: root completes → ${p.fanout} children dispatched`,
      status: 'ok',
      rows: [
        {
          id: 'B8',
          metric: `fan-out ${p.fanout}: root ack → last child submit`,
          value: `p50 ${last.p50.toFixed(2)} / max ${last.max.toFixed(2)} ms (${last.n} runs)`,
          ratio: xFloor(last.p50, floor),
          goal: '≤ 20 ms',
        },
        {
          id: 'B8',
          metric: `fan-out ${p.fanout}: root report sent → last child submit`,
          value: `p50 ${lastFromSend.p50.toFixed(2)} / max ${lastFromSend.max.toFixed(2)} ms (${lastFromSend.n} runs)`,
          ratio: xFloor(lastFromSend.p50, floor),
          goal: 'upper bound (includes the report)',
        },
      ],
      data: {
        last_child_ms: last,
        last_child_from_send_ms: lastFromSend,
        each_child_ms: each,
        repeats: last.n,
        fanout: p.fanout,
      },
    },
  };
}
