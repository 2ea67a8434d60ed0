import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendLedgerLine } from './ledger.js';
import { mockResult, parseMockParams } from './mockParams.js';
import { spawnInGroup } from './spawn.js';
import type { ExecRequest, Executor, ExitInfo, OutputSink, RunningProcess } from './types.js';

/**
 * The compiled fake agent. Under vitest this module runs from src/, but the agent must be plain
 * JavaScript for `node`, so it is always taken from dist/ (built by `tsc -b`).
 */
export function mockAgentScript(): string {
  const here = fileURLToPath(import.meta.url);
  const dir = path.dirname(here);
  if (here.endsWith('.ts')) {
    const pkg = path.resolve(dir, '../..');
    return path.join(pkg, 'dist', path.relative(path.join(pkg, 'src'), dir), 'mockAgent.js');
  }
  return path.join(dir, 'mockAgent.js');
}

/** `inprocess: true`: no process at all; the runner simulates the agent (benchmarks of the runner). */
function startInProcess(req: ExecRequest, onOutput: OutputSink): RunningProcess {
  const p = parseMockParams(req.params);
  appendLedgerLine(req.ledgerFile, {
    task_id: req.taskId,
    attempt: req.attempt,
    started_at: new Date().toISOString(),
    pid: null,
    inprocess: true,
  });
  for (const l of p.lines) onOutput('stdout', l + '\n');
  for (const l of p.stderr_lines) onOutput('stderr', l + '\n');
  let finish: (e: ExitInfo) => void = () => undefined;
  const exited = new Promise<ExitInfo>((resolve) => (finish = resolve));
  const timer = p.hang
    ? null
    : setTimeout(() => {
        if (p.crash) finish({ code: null, signal: 'SIGKILL' });
        else finish({ code: p.exit_code, signal: null, result: mockResult(p) });
      }, p.duration_ms);
  return {
    pid: null,
    inProcess: true,
    exited,
    kill: async () => {
      if (timer) clearTimeout(timer);
      finish({ code: null, signal: 'SIGTERM' });
    },
  };
}

export function mockExecutor(): Executor {
  const script = mockAgentScript();
  return {
    name: 'mock',
    async check() {
      return fs.existsSync(script)
        ? { ok: true, message: `mock agent: ${script}` }
        : {
            ok: false,
            message: `mock agent script missing: ${script} (run npx tsc -b packages/control-plane)`,
          };
    },
    runsInProcess: (params) => parseMockParams(params).inprocess,
    start(req, onOutput) {
      const p = parseMockParams(req.params);
      if (p.inprocess) return startInProcess(req, onOutput);
      const env = { ...req.env, MULTYAGENTS_MOCK_PARAMS: JSON.stringify(req.params ?? {}) };
      return spawnInGroup(
        [process.execPath, script],
        { cwd: req.cwd, env, stdin: null, killGraceMs: req.killGraceMs },
        onOutput,
      );
    },
  };
}
