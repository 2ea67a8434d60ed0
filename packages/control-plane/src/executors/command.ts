import type { PromptVia } from '../config/runner.js';
import { installRootOf, widenSandbox } from './sandbox.js';
import { spawnInGroup } from './spawn.js';
import { ExecutorUnavailableError, type Executor } from './types.js';
import { checkBinary, missingBinaryMessage, resolveBinary } from './which.js';

export interface CommandSpec {
  /** Label in messages: the executor name ("command", "codex", "claude"). */
  what: string;
  /** Builds the argv for one prompt; element 0 is the binary. Never a shell string. */
  argv: (prompt: string) => string[];
  promptVia: PromptVia;
  hint: string;
}

/** The executor behind `command`, `codex` and `claude`: an argv run in its own process group. */
export function argvExecutor(spec: CommandSpec, env: Record<string, string | undefined>): Executor {
  const bin = spec.argv('')[0];
  return {
    name: spec.what,
    async check() {
      return checkBinary(spec.what, bin, env, spec.hint);
    },
    start(req, onOutput) {
      // A relative binary is relative to where the runner was started, like in check().
      const resolved = resolveBinary(bin, req.env, process.cwd());
      if (!resolved) throw new ExecutorUnavailableError(missingBinaryMessage(spec.what, bin, spec.hint));
      const argv = spec.argv(req.prompt);
      argv[0] = resolved;
      const childEnv = spec.promptVia === 'env' ? { ...req.env, MULTYAGENTS_PROMPT: req.prompt } : req.env;
      return spawnInGroup(
        argv,
        {
          cwd: req.cwd,
          env: childEnv,
          stdin: spec.promptVia === 'stdin' ? req.prompt : null,
          killGraceMs: req.killGraceMs,
          ...(req.sandbox
            ? { sandbox: widenSandbox(req.sandbox, { readonly: [installRootOf(resolved)] }) }
            : {}),
        },
        onOutput,
      );
    },
  };
}

/** `{prompt}` anywhere in an element is replaced; without a placeholder the prompt is appended. */
export function commandArgv(template: string[], prompt: string, via: PromptVia): string[] {
  if (via !== 'arg') return [...template];
  const has = template.some((a) => a.includes('{prompt}'));
  const out = template.map((a) => a.split('{prompt}').join(prompt));
  return has ? out : [...out, prompt];
}

/** A prompt that starts with '-' would be parsed as a flag: end the options first. */
export function promptArg(prompt: string): string[] {
  return prompt.startsWith('-') ? ['--', prompt] : [prompt];
}
