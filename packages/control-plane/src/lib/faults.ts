/**
 * Named fault points. `await faultPoint('after-claim-before-submit')` does nothing unless a test arms
 * it in-process, or a drill arms it through MULTYAGENTS_FAULTS (`name=action,...`; actions: `crash`
 * exits the process at once as kill -9 would, `delay:<ms>` sleeps, `throw` raises, `throw-after:<n>`
 * lets n hits pass and raises from the next one on).
 */
export type FaultAction =
  { kind: 'crash' } | { kind: 'delay'; ms: number } | { kind: 'throw'; after?: number };

const armed = new Map<string, FaultAction>();
const hits = new Map<string, number>();

export function armFault(name: string, action: FaultAction): void {
  armed.set(name, action);
}

export function disarmAll(): void {
  armed.clear();
  hits.clear();
}

export function armFromSpec(spec: string | undefined): void {
  if (!spec) return;
  for (const part of spec.split(',')) {
    const [name, action] = part.split('=');
    if (!name || !action) continue;
    if (action === 'crash') armed.set(name.trim(), { kind: 'crash' });
    else if (action === 'throw') armed.set(name.trim(), { kind: 'throw' });
    else if (action.startsWith('throw-after:'))
      armed.set(name.trim(), { kind: 'throw', after: Math.max(0, Number(action.slice(12)) || 0) });
    else if (action.startsWith('delay:'))
      armed.set(name.trim(), { kind: 'delay', ms: Number(action.slice(6)) });
  }
}

export async function faultPoint(name: string): Promise<void> {
  if (armed.size === 0) return;
  const action = armed.get(name);
  if (!action) return;
  if (action.kind === 'crash') process.kill(process.pid, 'SIGKILL');
  if (action.kind === 'throw') {
    const n = (hits.get(name) ?? 0) + 1;
    hits.set(name, n);
    if (n > (action.after ?? 0)) throw new Error(`fault point ${name} fired`);
  }
  if (action.kind === 'delay') await new Promise((r) => setTimeout(r, action.ms));
}
