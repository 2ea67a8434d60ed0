/**
 * The role form's draft (what the inputs hold: text, ticks) and its conversion to the `POST/PUT /roles`
 * body, with the contract's bounds checked before anything is sent (contracts/src/roles.ts; the panel
 * bundles no schema, so the bounds are mirrored here and a ui test checks them against the schema).
 */
import type { Role, RoleCreate, RetryOnCategory } from '@multyagents/contracts';

/** Every category a retry policy may name (contracts RETRY_ON_CATEGORIES); a missing one fails tsc below. */
export const RETRY_ON: readonly RetryOnCategory[] = [
  'network',
  'flaky-test',
  'runner-transient',
  'runner-submit',
  'runner-lost',
  'timeout',
  'agent-error',
  'test-regression',
  'unknown',
];
type MissingCategory = Exclude<RetryOnCategory, (typeof RETRY_ON)[number]>;
const allCategoriesListed: [MissingCategory] extends [never] ? true : false = true;
void allCategoriesListed;

export interface Bound {
  min: number;
  max: number;
  int: boolean;
  /** The API's default when the field is left empty. */
  dflt?: number;
}

export const RETRY_BOUNDS = {
  max_retries: { min: 0, max: 10, int: true, dflt: 0 },
  backoff_initial_ms: { min: 0, max: 3_600_000, int: true, dflt: 1_000 },
  backoff_max_ms: { min: 0, max: 86_400_000, int: true, dflt: 60_000 },
  backoff_multiplier: { min: 1, max: 10, int: false, dflt: 2 },
  jitter: { min: 0, max: 1, int: false, dflt: 0.2 },
} as const satisfies Record<string, Bound>;

export const LIMIT_BOUNDS = {
  time_to_start_seconds: { min: 1, max: 86_400, int: true },
  timeout_seconds: { min: 1, max: 7 * 86_400, int: true },
} as const satisfies Record<string, Bound>;

export const ROLE_LIMITS = {
  name: 200,
  prompt: 200_000,
  listItems: 500,
  listItem: 200,
  agentArgs: 100,
  agentArg: 1000,
};

type RetryKey = keyof typeof RETRY_BOUNDS;
type LimitKey = keyof typeof LIMIT_BOUNDS;
/** Optional booleans: left unset, the executor's default applies. */
export type TriState = '' | 'true' | 'false';
const TRI_KEYS = ['read_only', 'resume', 'network'] as const;
type TriKey = (typeof TRI_KEYS)[number];
const KNOWN_KEYS = new Set<string>(['retry_policy', ...Object.keys(LIMIT_BOUNDS), ...TRI_KEYS, 'agent_args']);

export interface RoleDraft {
  name: string;
  context7_enabled: boolean;
  system_prompt: string;
  /** One per line. */
  allowed_tools: string;
  skill_packs: string[];
  retry_enabled: boolean;
  retry: Record<RetryKey, string>;
  retry_on: RetryOnCategory[];
  limits: Record<LimitKey, string>;
  tri: Record<TriKey, TriState>;
  /** One argument per line. */
  agent_args: string;
  /** The other execution-constraint keys (free-form in the contract, e.g. `sandbox`), as a JSON object. */
  extra: string;
}

export function draftFromRole(role?: Role): RoleDraft {
  const ec = (role?.execution_constraints ?? {}) as Record<string, unknown>;
  const rp = role?.execution_constraints.retry_policy;
  const str = (v: unknown) => (typeof v === 'number' ? String(v) : '');
  const tri = (v: unknown): TriState => (v === true ? 'true' : v === false ? 'false' : '');
  const extra = Object.fromEntries(Object.entries(ec).filter(([k]) => !KNOWN_KEYS.has(k)));
  return {
    name: role?.name ?? '',
    context7_enabled: role?.context7_enabled ?? false,
    system_prompt: role?.system_prompt ?? '',
    allowed_tools: (role?.allowed_tools ?? []).join('\n'),
    skill_packs: [...(role?.skill_packs ?? [])],
    retry_enabled: rp !== undefined,
    retry: {
      max_retries: str(rp?.max_retries),
      backoff_initial_ms: str(rp?.backoff_initial_ms),
      backoff_max_ms: str(rp?.backoff_max_ms),
      backoff_multiplier: str(rp?.backoff_multiplier),
      jitter: str(rp?.jitter),
    },
    retry_on: [...(rp?.retry_on ?? [])],
    limits: {
      time_to_start_seconds: str(ec.time_to_start_seconds),
      timeout_seconds: str(ec.timeout_seconds),
    },
    tri: { read_only: tri(ec.read_only), resume: tri(ec.resume), network: tri(ec.network) },
    agent_args: Array.isArray(ec.agent_args) ? (ec.agent_args as string[]).join('\n') : '',
    extra: Object.keys(extra).length > 0 ? JSON.stringify(extra, null, 2) : '',
  };
}

/** `null` when the text is empty; else the number, or an error message naming the bounds. */
export function checkNumber(text: string, b: Bound): { value: number | null; error?: string } {
  const t = text.trim();
  if (t === '') return { value: null };
  const n = Number(t);
  const range = `${b.min}..${b.max}`;
  if (!Number.isFinite(n)) return { value: null, error: `a number ${range}` };
  if (b.int && !Number.isInteger(n)) return { value: null, error: `a whole number ${range}` };
  if (n < b.min || n > b.max) return { value: null, error: `must be within ${range}` };
  return { value: n };
}

export const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);

export type FieldErrors = Record<string, string>;

/** The body to send, or the errors by field (keys are the body's field paths). */
export function roleBody(d: RoleDraft): { body: RoleCreate | null; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const name = d.name.trim();
  if (!name) errors.name = 'a name is required';
  else if (name.length > ROLE_LIMITS.name) errors.name = `at most ${ROLE_LIMITS.name} characters`;
  else if (/[\u0000-\u001f\u007f]/.test(name)) errors.name = 'one line, no control characters';
  if (d.system_prompt.length > ROLE_LIMITS.prompt)
    errors.system_prompt = `at most ${ROLE_LIMITS.prompt} characters`;
  const tools = lines(d.allowed_tools);
  if (tools.length > ROLE_LIMITS.listItems) errors.allowed_tools = `at most ${ROLE_LIMITS.listItems} tools`;
  else if (tools.some((t) => t.length > ROLE_LIMITS.listItem))
    errors.allowed_tools = `each tool at most ${ROLE_LIMITS.listItem} characters`;

  const ec: Record<string, unknown> = {};
  if (d.extra.trim()) {
    try {
      const extra: unknown = JSON.parse(d.extra);
      if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) errors.extra = 'a JSON object';
      else {
        const clash = Object.keys(extra).find((k) => KNOWN_KEYS.has(k));
        if (clash) errors.extra = `'${clash}' has its own field above`;
        else Object.assign(ec, extra);
      }
    } catch (err) {
      errors.extra = `not JSON: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  if (d.retry_enabled) {
    const rp: Record<string, unknown> = { retry_on: d.retry_on };
    for (const [k, b] of Object.entries(RETRY_BOUNDS)) {
      const r = checkNumber(d.retry[k as RetryKey], b);
      if (r.error) errors[`retry_policy.${k}`] = r.error;
      rp[k] = r.value ?? b.dflt;
    }
    ec.retry_policy = rp;
  }
  for (const [k, b] of Object.entries(LIMIT_BOUNDS)) {
    const r = checkNumber(d.limits[k as LimitKey], b);
    if (r.error) errors[k] = r.error;
    else if (r.value !== null) ec[k] = r.value;
  }
  for (const k of TRI_KEYS) if (d.tri[k]) ec[k] = d.tri[k] === 'true';
  const args = lines(d.agent_args);
  if (args.length > ROLE_LIMITS.agentArgs) errors.agent_args = `at most ${ROLE_LIMITS.agentArgs} arguments`;
  else if (args.some((a) => a.length > ROLE_LIMITS.agentArg))
    errors.agent_args = `each argument at most ${ROLE_LIMITS.agentArg} characters`;
  else if (args.length > 0) ec.agent_args = args;

  if (Object.keys(errors).length > 0) return { body: null, errors };
  return {
    body: {
      name,
      context7_enabled: d.context7_enabled,
      system_prompt: d.system_prompt,
      allowed_tools: tools,
      skill_packs: d.skill_packs,
      execution_constraints: ec as RoleCreate['execution_constraints'],
    },
    errors,
  };
}
