/** The mock agent's script, from `executor_params.mock` of a submit. Unknown keys are ignored. */
export interface MockParams {
  duration_ms: number;
  exit_code: number;
  lines: string[];
  stderr_lines: string[];
  hang: boolean;
  crash: boolean;
  spawn_child: boolean;
  ignore_sigterm: boolean;
  echo_prompt: boolean;
  artifacts: unknown[] | null;
  handoff: unknown;
  inprocess: boolean;
}

const num = (v: unknown, def: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : def);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String(x)) : []);

export function parseMockParams(executorParams: Record<string, unknown> | undefined): MockParams {
  const raw = executorParams?.mock;
  const m = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  return {
    duration_ms: Math.max(0, num(m.duration_ms, 50)),
    exit_code: Math.trunc(num(m.exit_code, 0)),
    lines: strs(m.lines),
    stderr_lines: strs(m.stderr_lines),
    hang: m.hang === true,
    crash: m.crash === true,
    spawn_child: m.spawn_child === true,
    ignore_sigterm: m.ignore_sigterm === true,
    echo_prompt: m.echo_prompt === true,
    artifacts: Array.isArray(m.artifacts) ? m.artifacts : null,
    handoff: m.handoff ?? null,
    inprocess: m.inprocess === true,
  };
}

/** What the agent writes to MULTYAGENTS_RESULT_FILE (null when it has nothing to hand off). */
export function mockResult(p: MockParams): { handoff?: unknown; artifacts?: unknown[] } | null {
  if (p.handoff === null && p.artifacts === null) return null;
  return {
    ...(p.handoff !== null ? { handoff: p.handoff } : {}),
    ...(p.artifacts !== null ? { artifacts: p.artifacts } : {}),
  };
}
