/**
 * The built-in fake agent (executor `mock`), run by the runner as `node dist/executors/mockAgent.js`.
 * Its behaviour comes from env MULTYAGENTS_MOCK_PARAMS (the submit's `executor_params`); it is a real
 * process so that cancel, timeout, crash and restart behave exactly as with a real agent.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { appendLedgerLine } from './ledger.js';
import { mockResult, parseMockParams } from './mockParams.js';

function main(): void {
  const env = process.env;
  const params = parseMockParams(JSON.parse(env.MULTYAGENTS_MOCK_PARAMS || '{}') as Record<string, unknown>);
  if (params.ignore_sigterm) process.on('SIGTERM', () => undefined);
  let childPid: number | null = null;
  if (params.spawn_child) {
    // Same process group (not detached): the runner must kill it together with us.
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { stdio: 'ignore' });
    childPid = child.pid ?? null;
    child.unref();
  }
  if (env.MULTYAGENTS_EFFECT_LEDGER) {
    appendLedgerLine(env.MULTYAGENTS_EFFECT_LEDGER, {
      task_id: Number(env.MULTYAGENTS_TASK_ID),
      attempt: Number(env.MULTYAGENTS_ATTEMPT),
      started_at: new Date().toISOString(),
      pid: process.pid,
      ...(childPid !== null ? { child_pid: childPid } : {}),
    });
  }
  if (params.echo_prompt && env.MULTYAGENTS_PROMPT_FILE) {
    process.stdout.write(fs.readFileSync(env.MULTYAGENTS_PROMPT_FILE, 'utf8') + '\n');
  }
  for (const line of params.lines) process.stdout.write(line + '\n');
  for (const line of params.stderr_lines) process.stderr.write(line + '\n');
  if (params.hang) {
    setInterval(() => undefined, 1e9);
    return;
  }
  setTimeout(() => {
    if (params.crash) process.kill(process.pid, 'SIGKILL');
    const result = mockResult(params);
    if (result && env.MULTYAGENTS_RESULT_FILE) {
      fs.writeFileSync(env.MULTYAGENTS_RESULT_FILE, JSON.stringify(result));
    }
    process.exitCode = params.exit_code;
    // Let stdout drain before exiting (process.exit could cut a piped write short).
    process.stdout.write('', () => process.exit(params.exit_code));
  }, params.duration_ms);
}

main();
