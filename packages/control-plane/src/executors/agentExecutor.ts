import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { claudeArgv, codexArgv, modelOf, NO_GRANTS } from './agentArgv.js';
import { forgetSecrets, hasSessionFiles, inGitRepo, prepareAgentHome } from './agentHome.js';
import { AgentStreamParser, type AgentKind } from './agentStream.js';
import { withResultSection } from './resultSection.js';
import { installRootOf, widenSandbox } from './sandbox.js';
import { spawnInGroup } from './spawn.js';
import type { Env } from '../config/env.js';
import type { SandboxRequest } from './sandbox.js';
import { ExecutorUnavailableError, type AgentSession, type ExecRequest, type Executor } from './types.js';
import { checkBinary, missingBinaryMessage, resolveBinary } from './which.js';

export interface AgentExecutorSpec {
  kind: AgentKind;
  bin: string;
  /** The runner's --codex-args / --claude-args, before the role's agent_args. */
  extra: string[];
  hint: string;
}

/**
 * codex and claude: the argv from the role (agentArgv.ts), a home of its own per attempt
 * (agentHome.ts), stdin closed (an open pipe makes both wait or read it as context), and stdout read
 * as the agent's event stream (agentStream.ts) — its reading comes back with the exit.
 */
export function agentExecutor(spec: AgentExecutorSpec, env: Record<string, string | undefined>): Executor {
  return {
    name: spec.kind,
    async check() {
      return checkBinary(spec.kind, spec.bin, env, spec.hint);
    },
    start(req, onOutput) {
      const resolved = resolveBinary(spec.bin, req.env, process.cwd());
      if (!resolved) throw new ExecutorUnavailableError(missingBinaryMessage(spec.kind, spec.bin, spec.hint));
      const attemptDir = path.dirname(req.resultFile);
      const plan = sessionPlan(spec.kind, attemptDir, req);
      const input = {
        bin: resolved,
        prompt: withResultSection(plan.prefix + req.prompt, req.resultFile),
        role: req.role ?? NO_GRANTS,
        extra: spec.extra,
        resultDir: attemptDir,
        ...(plan.argv ? { session: plan.argv } : {}),
      };
      const argv =
        spec.kind === 'claude' ? claudeArgv(input) : codexArgv({ ...input, inGitRepo: inGitRepo(req.cwd) });
      const home = prepareAgentHome(spec.kind, attemptDir, req.env, plan.home);
      const parser = new AgentStreamParser(spec.kind, modelOf(argv.slice(1)));
      let announced = plan.info.session_id;
      req.onSession?.(plan.info);
      const proc = spawnInGroup(
        argv,
        {
          cwd: req.cwd,
          env: home.env,
          stdin: null,
          killGraceMs: req.killGraceMs,
          ...(req.sandbox ? { sandbox: agentSandbox(req.sandbox, resolved, home.env) } : {}),
        },
        (stream, data) => {
          if (stream === 'stdout') {
            parser.push(data);
            const id = parser.sessionId;
            if (id && id !== announced) req.onSession?.({ ...plan.info, session_id: (announced = id) });
          }
          onOutput(stream, data);
        },
      );
      const exited = proc.exited.then((exit) => {
        forgetSecrets(home.secrets);
        const { session_id: _id, ...resume } = plan.info;
        return { ...exit, agent: { ...parser.end(), ...resume } };
      });
      return { ...proc, exited };
    },
  };
}

interface SessionPlan {
  info: AgentSession;
  /** The argv's session flags (none: a new codex thread, which codex names itself). */
  argv?: { id: string; resume: boolean };
  /** The agent's home: the resumed attempt's, else the default under this attempt's dir. */
  home?: string;
  prefix: string;
}

/**
 * Resume when asked and the session's files are on this runner: under the home of the attempt it
 * continues (`<data-dir>/attempts/task-<id>-attempt-<n>/home`), which this attempt then uses as its
 * own (both CLIs key sessions to the cwd, the same for every attempt of a task). Otherwise (the attempt
 * ran on another runner, or its files are gone) a fresh session, and the summary says why.
 */
export function sessionPlan(kind: AgentKind, attemptDir: string, req: ExecRequest): SessionPlan {
  const fresh = (note?: string): SessionPlan => {
    const id = kind === 'claude' ? randomUUID() : null;
    return {
      info: { session_id: id, ...(note ? { resumed: false, resume_note: note } : {}) },
      ...(id ? { argv: { id, resume: false } } : {}),
      prefix: '',
    };
  };
  const r = req.resume;
  if (!r) return fresh();
  const home = path.join(path.dirname(attemptDir), `task-${req.taskId}-attempt-${r.from_attempt}`, 'home');
  if (!hasSessionFiles(kind, home, r.session_id))
    return fresh(
      `session ${r.session_id} of attempt ${r.from_attempt} is not on this runner (it ran elsewhere, or its files are gone): started a fresh session`,
    );
  return {
    info: { session_id: r.session_id, resumed: true, resumed_from: r.from_attempt },
    argv: { id: r.session_id, resume: true },
    home,
    prefix:
      `Your previous attempt (${r.from_attempt}) at this task ended: ${r.reason ?? 'it failed'}. ` +
      'Continue from where you left off.\n\n',
  };
}

/** The agent's home, config dir and TMPDIR writable (a resumed home is outside this attempt's dir). */
function agentSandbox(sandbox: SandboxRequest, bin: string, env: Env): SandboxRequest {
  const dirs = [env.HOME, env.TMPDIR].filter((d): d is string => typeof d === 'string' && d !== '');
  return widenSandbox(sandbox, { writable: dirs, readonly: [installRootOf(bin)] });
}
