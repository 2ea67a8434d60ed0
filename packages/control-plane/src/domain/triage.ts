/**
 * The one failure classifier (pure). Every failed, submit-failed or canceled task gets a category from
 * one vocabulary, hints that say what was observed, and next actions an operator can take.
 */
import type { AgentSummary, FailureCategory, FailureStep } from '@multyagents/contracts';
import { agentTriage } from './agentTriage.js';

/** Where a failure happened: the wire steps, and `workspace` (the runner's git work around the agent). */
export type TriageStep = FailureStep | 'workspace';

export interface TriageInput {
  step: TriageStep;
  exitCode?: number | null;
  /** Tail of the agent's output (stdout + stderr). */
  output?: string | null;
  message?: string | null;
  runnerUrl?: string | null;
  /** For submit failures: the error the HTTP call ended with. */
  error?: string | null;
  /** For "no runner" failures: what we know of each runner. */
  runners?: ReadonlyArray<{ name: string; url: string; liveness: string; lastSeen: string | null }>;
  timeoutSeconds?: number | null;
  unreachableSince?: string | null;
  /** A success refused by the task's quality gate: its failed blocker checks (`check: message`). */
  qualityGate?: readonly string[];
  /** What a coding agent said about its work (the runner's terminal report). */
  agent?: Pick<AgentSummary, 'agent' | 'verdict' | 'permission_denials' | 'error' | 'tool_errors'> | null;
  /** An isolated-worktree attempt's report: where its worktree was and what conflicted. */
  worktree?: {
    path: string | null;
    conflicts?: readonly string[] | undefined;
    conflict_commits?: readonly string[] | undefined;
  } | null;
}

export interface TriageResult {
  category: FailureCategory;
  step: TriageStep;
  hints: string[];
  actions: string[];
}

interface Rule {
  category: FailureCategory;
  pattern: RegExp;
  hint: string;
  actions: string[];
}

/**
 * A spawn that failed for lack of a host resource, not a missing binary: the runner's process ran out
 * of file descriptors (EMFILE), the host did (ENFILE), memory/processes (ENOMEM, EAGAIN), or the disk
 * holding the attempt's files is full (ENOSPC: its prompt file could not be written). Null when the
 * message names none of these.
 */
export function resourceExhaustion(message: string | null | undefined): string | null {
  const m =
    /\b(EMFILE|ENFILE|ENOMEM|EAGAIN|ENOSPC)\b|too many open files|cannot allocate memory|no space left on device/i.exec(
      message ?? '',
    );
  if (!m) return null;
  const code = (m[1] ?? m[0]).toUpperCase();
  if (code === 'EMFILE' || /TOO MANY OPEN FILES/.test(code)) return 'too many open files (EMFILE)';
  if (code === 'ENFILE') return 'the host file table is full (ENFILE)';
  if (code === 'EAGAIN') return 'no more processes or threads (EAGAIN)';
  if (code === 'ENOSPC' || /NO SPACE LEFT/.test(code)) return "the runner's disk is full (ENOSPC)";
  return 'out of memory (ENOMEM)';
}

/** Output rules, checked in order; the first match wins. */
const OUTPUT_RULES: Rule[] = [
  {
    category: 'dependency',
    pattern:
      /(command not found|ENOENT|No such file or directory.*(?:bin|exec)|executable .* not found|Cannot find module|ModuleNotFoundError|not installed)/i,
    hint: 'the agent or a tool it needs is missing on the runner host',
    actions: [
      'install the missing binary or module on the runner host',
      'check the executor path configuration',
    ],
  },
  {
    category: 'permission',
    pattern: /(EACCES|EPERM|permission denied|operation not permitted|access denied)/i,
    hint: 'the agent was denied access to a file or resource',
    actions: ['check file ownership and the project allowed_paths', 'run the runner as a user with access'],
  },
  {
    category: 'network',
    pattern:
      /(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|socket hang up|network is unreachable|connection reset|TLS handshake|getaddrinfo)/i,
    hint: 'a network call of the agent failed',
    actions: ['check connectivity from the runner host', 'retry: network failures are often transient'],
  },
  {
    category: 'workspace-git',
    pattern:
      /(fatal: .*git|not a git repository|merge conflict|CONFLICT \(|worktree|detached HEAD|cannot lock ref)/i,
    hint: 'a git operation in the workspace failed',
    actions: ['inspect the workspace with git status', 'clean up stale worktrees and locks'],
  },
  {
    category: 'sandbox',
    pattern: /(sandbox|seccomp|container .* (exited|failed)|docker: Error|OCI runtime)/i,
    hint: 'the sandbox refused or broke the execution',
    actions: [
      'check the sandbox configuration of the task',
      'try execution_mode no-workspace to isolate the cause',
    ],
  },
  {
    category: 'test-regression',
    pattern:
      /(\d+ (tests? )?failed|FAIL(ED)?[: ].*test|AssertionError|assert(ion)? failed|Tests?:\s+\d+ failed)/i,
    hint: 'tests failed in the agent run',
    actions: [
      'read the failing tests in the output tail',
      'rerun the step after fixing, or enable flaky-test retries',
    ],
  },
];

function lastLines(text: string | null | undefined, n: number): string[] {
  if (!text) return [];
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .slice(-n);
}

export function classifyFailure(input: TriageInput): TriageResult {
  const hints: string[] = [];
  const actions: string[] = [];
  const step = input.step;

  if (input.qualityGate) {
    return {
      category: 'quality-gate',
      step,
      hints: input.qualityGate.map((c) => `quality gate blocker failed: ${c}`),
      actions: [
        'give the step what its quality_gate_policy requires (a handoff, its required artifacts, an approval)',
        'partial-rerun the step once fixed, or relax the check to severity warn',
      ],
    };
  }
  if (step === 'cancel' || step === 'run-failed') {
    return {
      category: 'canceled',
      step,
      hints: [
        input.message ? `canceled: ${input.message}` : 'the task was canceled by an operator or an abort',
      ],
      actions: ['start a new run if the work is still needed'],
    };
  }

  if (step === 'submit') {
    if (input.runnerUrl) hints.push(`runner ${input.runnerUrl} could not accept the task`);
    if (input.error) hints.push(`submit error: ${input.error}`);
    for (const r of input.runners ?? []) {
      hints.push(`runner ${r.name} (${r.url}) is ${r.liveness}, last seen ${r.lastSeen ?? 'never'}`);
    }
    if ((input.runners ?? []).length === 0 && !input.runnerUrl) hints.push('no runner has ever registered');
    if (input.message) hints.push(input.message);
    actions.push(
      'start a runner (multyagents up, or multyagents runner --api URL)',
      'check the runner log and its health endpoint',
      'rerun the workflow once a runner is reachable',
    );
    return { category: 'runner-submit', step, hints, actions };
  }

  if (step === 'runner-lost' || step === 'runner-restarted') {
    hints.push(
      step === 'runner-lost'
        ? `runner ${input.runnerUrl ?? '?'} stopped answering${input.unreachableSince ? ` at ${input.unreachableSince}` : ''}`
        : `runner ${input.runnerUrl ?? '?'} restarted and no longer runs this attempt`,
    );
    if (input.message) hints.push(input.message);
    actions.push(
      'check whether the runner host is up (multyagents status)',
      'enable runner-transient retries in the role retry_policy',
    );
    return { category: 'runner-lost', step, hints, actions };
  }

  if (step === 'timeout') {
    hints.push(
      `the attempt exceeded its time limit${input.timeoutSeconds ? ` of ${input.timeoutSeconds}s` : ''}`,
    );
    if (input.message) hints.push(input.message);
    actions.push('raise timeout_seconds for the step', 'look at the output tail for where the agent hung');
    return { category: 'timeout', step, hints: [...hints, ...tailHints(input.output)], actions };
  }

  if (step === 'workspace' || WORKSPACE_GIT.test(input.message ?? '')) return workspaceGit(input);

  // The agent's own account is better evidence than patterns in its output (which, as JSON events,
  // quote every file it read).
  const fromAgent = input.agent ? agentTriage(input.agent, step, input.exitCode, input.message) : null;
  if (fromAgent) return fromAgent;
  const text = `${input.message ?? ''}\n${input.output ?? ''}`;
  for (const rule of OUTPUT_RULES) {
    const m = rule.pattern.exec(text);
    if (m) {
      hints.push(rule.hint, `matched: ${m[0].slice(0, 200)}`);
      if (input.exitCode != null) hints.push(`exit code ${input.exitCode}`);
      return {
        category: rule.category,
        step,
        hints: [...hints, ...tailHints(input.output)],
        actions: [...rule.actions],
      };
    }
  }
  if (step === 'spawn') {
    const exhausted = resourceExhaustion(input.message);
    if (exhausted) {
      hints.push(
        `resource exhaustion on the runner host: ${exhausted} — the agent process could not be started`,
      );
      if (input.message) hints.push(input.message);
      return {
        category: 'resource-exhaustion',
        step,
        hints,
        actions: [
          "raise the runner's limit (ulimit -n / LimitNOFILE for open files; memory for ENOMEM; free space on the disk of its data dir for ENOSPC) or lower its --capacity",
          'rerun the task once the runner has room (the runner itself keeps running)',
        ],
      };
    }
    hints.push('the agent process could not be started');
    if (input.message) hints.push(input.message);
    return {
      category: 'dependency',
      step,
      hints,
      actions: ['check the executor binary path on the runner host'],
    };
  }
  if (input.exitCode != null && input.exitCode !== 0) {
    hints.push(`the agent exited with code ${input.exitCode}`);
    if (input.message) hints.push(input.message);
    return {
      category: 'agent-error',
      step,
      hints: [...hints, ...tailHints(input.output)],
      actions: [
        'read the output tail (GET /tasks/{id}/logs)',
        'adjust the role prompt or the task and rerun',
      ],
    };
  }
  hints.push(input.message ? input.message : 'the runner reported failure without details');
  // The runner names the OOM killer when the agent's memory cgroup counted a kill (runner/oomKills.ts).
  // Still `unknown`: a role that retries unknown failures keeps retrying these.
  const oom = /OOM killer/.test(input.message ?? '');
  return {
    category: 'unknown',
    step,
    hints: [
      ...(oom ? ['out of memory: the kernel killed the agent for its memory cgroup (OOM killer)'] : []),
      ...hints,
      ...tailHints(input.output),
    ],
    actions: [
      ...(oom
        ? [
            "raise the memory limit of the runner's cgroup, or lower the runner's --capacity so fewer agents share it",
          ]
        : []),
      'read the task audit and logs',
    ],
  };
}

/** The runner's own word for a failure of its git work: a message starting with `workspace-git:`. */
const WORKSPACE_GIT = /^\s*workspace-git:/i;

/**
 * A failure of the runner's git work around the agent (creating the worktree, merging upstream
 * commits, committing, landing the merge): what kind, and what the operator does about it. Never
 * retried automatically (domain/retry.ts): a conflict or a moved target needs a person.
 */
function workspaceGit(input: TriageInput): TriageResult {
  const message = (input.message ?? '').replace(WORKSPACE_GIT, '').trim();
  const hints = [`the runner's git work failed: ${message || 'no details'}`];
  const actions: string[] = [];
  const conflicts = input.worktree?.conflicts ?? [];
  const commits = input.worktree?.conflict_commits ?? [];
  if (conflicts.length || /conflict/i.test(message)) {
    if (conflicts.length) hints.push(`conflicting paths: ${conflicts.slice(0, 20).join(', ')}`);
    if (commits.length) hints.push(`commits involved: ${commits.slice(0, 20).join(', ')}`);
    actions.push('resolve the conflict on the step branches and partial-rerun the merge');
  } else if (/target[- ](branch )?moved|target-moved/i.test(message)) {
    actions.push('the target branch moved during the run: rebase or re-run');
  } else if (/dirty/i.test(message)) {
    const where = input.worktree?.path ?? 'the repository';
    actions.push(`commit or stash the changes in ${where}`);
  } else {
    actions.push('inspect the repository with git status and git worktree list', 'partial-rerun the step');
  }
  if (input.worktree?.path) hints.push(`worktree: ${input.worktree.path}`);
  return { category: 'workspace-git', step: input.step, hints, actions };
}

function tailHints(output: string | null | undefined): string[] {
  return lastLines(output, 3).map((l) => `output: ${l.slice(0, 300)}`);
}
