import path from 'node:path';
import { claudeArgv, codexArgv, modelOf, NO_GRANTS } from './agentArgv.js';
import { forgetSecrets, inGitRepo, prepareAgentHome } from './agentHome.js';
import { AgentStreamParser, type AgentKind } from './agentStream.js';
import { withResultSection } from './resultSection.js';
import { spawnInGroup } from './spawn.js';
import { ExecutorUnavailableError, type Executor } from './types.js';
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
      const input = {
        bin: resolved,
        prompt: withResultSection(req.prompt, req.resultFile),
        role: req.role ?? NO_GRANTS,
        extra: spec.extra,
        resultDir: attemptDir,
      };
      const argv =
        spec.kind === 'claude' ? claudeArgv(input) : codexArgv({ ...input, inGitRepo: inGitRepo(req.cwd) });
      const home = prepareAgentHome(spec.kind, attemptDir, req.env);
      const parser = new AgentStreamParser(spec.kind, modelOf(argv.slice(1)));
      const proc = spawnInGroup(
        argv,
        { cwd: req.cwd, env: home.env, stdin: null, killGraceMs: req.killGraceMs },
        (stream, data) => {
          if (stream === 'stdout') parser.push(data);
          onOutput(stream, data);
        },
      );
      const exited = proc.exited.then((exit) => {
        forgetSecrets(home.secrets);
        return { ...exit, agent: parser.end() };
      });
      return { ...proc, exited };
    },
  };
}
