import { spawn } from 'node:child_process';
import os from 'node:os';
import { wallMs } from '../clock.js';
import type { ThroughputResult } from '../load.js';
import { ms, type MetricResult } from '../report.js';
import { sleep } from '../procs.js';
import type { BenchStack, RunnerView } from '../stack.js';
import { round, summarize } from '../stats.js';
import { eventsOfType } from '../verify.js';
import { startWorker } from '../workers.js';

export interface B5Params {
  templateId: number;
  timeoutMs: number;
  repeats: number;
  stressMs: number;
}

/** Busy loops that end by themselves after `msLeft` (bounded even if we die). */
function burnCpu(count: number, msLeft: number): Promise<void>[] {
  return Array.from({ length: count }, () => {
    const p = spawn(process.execPath, ['-e', `const e=Date.now()+${msLeft};while(Date.now()<e){}`], {
      stdio: 'ignore',
    });
    return new Promise<void>((resolve) => p.once('exit', () => resolve()));
  });
}

async function waitLiveness(stack: BenchStack, name: string, timeoutMs: number): Promise<RunnerView | null> {
  const deadline = wallMs() + timeoutMs;
  while (wallMs() < deadline) {
    const v = await stack.runnerView(name);
    if (v && v.liveness !== 'online') return v;
    await sleep(5);
  }
  return null;
}

/**
 * B5: a runner killed with SIGKILL must be seen unreachable about one heartbeat timeout after its last
 * heartbeat (the stack runs with MULTYAGENTS_HEARTBEAT_TIMEOUT_MS = timeoutMs); then, with every CPU
 * busy (2 burners per core) and runs flowing, no live runner may be declared unreachable.
 */
export async function b5(stack: BenchStack, p: B5Params): Promise<MetricResult> {
  await stack.addRunner({ capacity: 16 });
  const detections: Record<string, number | null>[] = [];
  for (let i = 0; i < p.repeats; i++) {
    const victim = await stack.addRunner({ capacity: 4 });
    await sleep(Math.min(500, p.timeoutMs / 2));
    await victim.child.kill9();
    const killedAt = wallMs();
    const seen = await waitLiveness(stack, victim.name, p.timeoutMs * 5);
    const detectedAt = wallMs();
    const fromLastSeen =
      seen?.unreachable_since && seen.last_seen_at
        ? Date.parse(seen.unreachable_since) - Date.parse(seen.last_seen_at)
        : null;
    detections.push({
      from_kill_ms: seen ? round(detectedAt - killedAt, 1) : null,
      from_last_heartbeat_ms: fromLastSeen,
      ratio_to_timeout: fromLastSeen === null ? null : round(fromLastSeen / p.timeoutMs, 2),
    });
  }
  const cursor = (await eventsOfType(stack.client, 'runner.unreachable')).reduce(
    (m, e) => Math.max(m, e.id),
    0,
  );
  const burners = burnCpu(os.cpus().length * 2, p.stressMs);
  const load = startWorker<ThroughputResult>(
    'throughput',
    {
      url: stack.apiUrl,
      templateId: p.templateId,
      runs: 1_000_000,
      window: 4,
      pollMs: 50,
      createForMs: p.stressMs,
      timeoutMs: p.stressMs + 10_000,
    },
    p.stressMs + 60_000,
  );
  await Promise.all(burners);
  const flowed = await load.result.catch(() => null);
  await sleep(p.timeoutMs * 1.5);
  const falsePositives = (await eventsOfType(stack.client, 'runner.unreachable', cursor)).length;
  const ratios = detections.map((d) => d.ratio_to_timeout).filter((x): x is number => x !== null);
  const fromKill = summarize(detections.map((d) => d.from_kill_ms).filter((x): x is number => x !== null));
  const worst = ratios.length ? Math.max(...ratios) : null;
  const detectedAll = ratios.length === p.repeats;
  return {
    id: 'B5',
    title: 'lost-runner detection',
    status: detectedAll ? 'ok' : 'failed',
    ...(detectedAll ? {} : { reason: 'a killed runner was never declared unreachable' }),
    rows: [
      {
        id: 'B5',
        metric: `lost-runner detection (timeout ${p.timeoutMs} ms)`,
        value: `from kill p50 ${ms(fromKill.p50, 0)}, max ${ms(fromKill.max, 0)} (${detections.length}×)`,
        ratio: worst === null ? '' : `${worst.toFixed(2)}× timeout (worst, from last heartbeat)`,
        goal: 'ratio ≤ 1.2',
      },
      {
        id: 'B5',
        metric: `false positives, ${os.cpus().length * 2} CPU burners ${p.stressMs / 1000}s`,
        value: `${falsePositives} (runs completed meanwhile: ${flowed?.succeeded ?? '-'})`,
        ratio: '',
        goal: '0 false positives',
      },
    ],
    data: {
      timeout_ms: p.timeoutMs,
      detections,
      false_positives: falsePositives,
      stress: { burners: os.cpus().length * 2, ms: p.stressMs, runs_completed: flowed?.succeeded ?? null },
    },
  };
}
