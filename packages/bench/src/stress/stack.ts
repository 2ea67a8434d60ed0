import { Inbox } from '../dispatchProbe.js';
import { ProbeRunner } from '../probeRunner.js';
import { BenchStack } from '../stack.js';
import { TrackedClient } from './common.js';

/**
 * A private API in manual dispatch mode whose only runner is the scripted probe: the suite decides
 * when each attempt reports what, which is what races and lifecycle checkpoints need.
 */
export class ScriptedStack {
  readonly stack: BenchStack;
  api!: TrackedClient;
  probe!: ProbeRunner;
  readonly inbox = new Inbox();

  constructor(label: string, dispatch: 'auto' | 'manual' = 'manual') {
    this.stack = new BenchStack({ dispatch, label });
  }

  async start(): Promise<void> {
    await this.stack.startApi();
    this.api = new TrackedClient(this.stack.apiUrl);
    this.probe = new ProbeRunner(this.stack.apiUrl, this.stack.token(), 1000, 'scripted-runner');
    this.probe.onSubmit = (s) => this.inbox.push(s);
    await this.probe.start();
  }

  async dispose(keep = false): Promise<void> {
    await this.probe?.stop().catch(() => undefined);
    await this.api?.close().catch(() => undefined);
    await this.stack.dispose(keep);
  }
}

export async function gatedDiamond(api: TrackedClient, name: string): Promise<number> {
  const role = await api.ok<{ id: number }>('POST', '/roles', { name: `${name}-role-${Date.now()}` });
  const step = (step_id: string, depends_on: string[], extra: Record<string, unknown> = {}) => ({
    step_id,
    role_id: role.id,
    title: `${name} ${step_id}`,
    depends_on,
    ...extra,
  });
  const t = await api.ok<{ id: number }>('POST', '/workflow-templates', {
    name,
    steps: [
      step('plan', []),
      step('build', ['plan'], { requires_approval: true }),
      step('test', ['plan']),
      step('report', ['build', 'test']),
    ],
  });
  return t.id;
}

export interface TaskRef {
  id: number;
  step_id: string;
  status: string;
  attempt: number;
}

export async function runTasks(api: TrackedClient, runId: number): Promise<Map<string, TaskRef>> {
  const list = await api.ok<TaskRef[]>('GET', `/tasks?run_id=${runId}`);
  return new Map(list.map((t) => [t.step_id, t]));
}
