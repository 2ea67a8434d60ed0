/**
 * The argv of the real coding CLIs, from the role (pure; measured flags in docs/architecture.md,
 * "Executors"). Element 0 is the binary. Never a shell string.
 */
import { promptArg } from './command.js';
import type { RoleGrants } from './types.js';

export const NO_GRANTS: RoleGrants = { allowedTools: [], readOnly: false, agentArgs: [] };

/** The edit tools a read-only claude role does not get at all (so it is never denied them either). */
export const CLAUDE_EDIT_TOOLS = ['Write', 'Edit', 'MultiEdit', 'NotebookEdit'];

export interface AgentArgvInput {
  bin: string;
  prompt: string;
  role: RoleGrants;
  /** The runner's --claude-args / --codex-args. */
  extra: string[];
  /** A directory outside the workspace the agent may write its result file into. */
  resultDir: string;
  /**
   * The agent session: claude `--session-id <id>` for a new one (chosen by the runner up front) or
   * `--resume <id>` to continue one; codex `exec resume <thread id>` (`resume` only, codex names its
   * threads itself).
   */
  session?: { id: string; resume: boolean };
}

/**
 * `claude -p … --output-format stream-json --verbose`. Edits are accepted (`acceptEdits`) for a role
 * that lists no tools; a role that lists `allowed_tools` gets exactly those, without `acceptEdits` —
 * measured on claude 2.1.332, `acceptEdits` lets Write through even when `--allowedTools` omits it, while
 * `--allowedTools Read` alone denies Write (`permission_denials`). A read-only role gets no edit tools at
 * all (so it is never denied them either). `--allowedTools`, `--disallowedTools` and `--add-dir` take
 * several values, so each gets one comma-joined value and the prompt always follows `--`: a variadic
 * option must never swallow the prompt (`--add-dir <dir> -- <prompt>` measured to work).
 */
export function claudeArgv(i: AgentArgvInput): string[] {
  const listed = i.role.allowedTools.length > 0;
  const perms = i.role.readOnly
    ? ['--disallowedTools', CLAUDE_EDIT_TOOLS.join(',')]
    : [...(listed ? [] : ['--permission-mode', 'acceptEdits']), '--add-dir', i.resultDir];
  const tools = listed ? ['--allowedTools', i.role.allowedTools.join(',')] : [];
  const session = i.session ? [i.session.resume ? '--resume' : '--session-id', i.session.id] : [];
  return [
    i.bin,
    '-p',
    '--output-format',
    'stream-json',
    '--verbose',
    ...perms,
    ...tools,
    ...session,
    ...i.extra,
    ...i.role.agentArgs,
    '--',
    i.prompt,
  ];
}

/**
 * `codex exec --json`: the workspace-write sandbox (plus the result dir as a writable root), or
 * read-only for a read-only role; no endless reconnects when the model server is gone; outside a git
 * repository codex refuses to start unless told to skip the check. A resume is `codex exec <sandbox>
 * resume --json … <thread id> <prompt>`: `exec resume` takes no `-s`, so the sandbox flags go before
 * `resume` (codex 0.x `exec resume --help`; the agent-CLI reference).
 */
export function codexArgv(i: AgentArgvInput & { inGitRepo: boolean }): string[] {
  const sandbox = i.role.readOnly
    ? ['-s', 'read-only']
    : [
        '-s',
        'workspace-write',
        '-c',
        `sandbox_workspace_write.writable_roots=${JSON.stringify([i.resultDir])}`,
      ];
  const resume = i.session?.resume === true;
  return [
    i.bin,
    'exec',
    ...(resume ? [...sandbox, 'resume', '--json'] : ['--json', ...sandbox]),
    '--disable',
    'unbounded_connection_retries',
    ...(i.inGitRepo ? [] : ['--skip-git-repo-check']),
    ...i.extra,
    ...i.role.agentArgs,
    ...(resume ? ['--', i.session!.id, i.prompt] : promptArg(i.prompt)),
  ];
}

/** The model named by `-m`/`--model` in an argv (the last one wins), for the price estimate. */
export function modelOf(argv: string[]): string | null {
  let model: string | null = null;
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    if (a === '--') break;
    if ((a === '-m' || a === '--model') && k + 1 < argv.length) model = argv[++k]!;
    else if (a.startsWith('--model=')) model = a.slice('--model='.length);
  }
  return model;
}
