import { spawn } from 'node:child_process';

/**
 * Run one agent CLI to completion the way the offline tests and the demo do: stdin closed (an open
 * pipe makes both CLIs wait for input), stdout parsed as JSON lines, a hard time bound that kills the
 * whole process group (both CLIs start children: claude its tools, codex the sandboxed commands).
 */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** Every stdout line that parsed as a JSON object, in order. */
  events: Array<Record<string, unknown>>;
}

export function parseJsonLines(text: string): Array<Record<string, unknown>> {
  const events: Array<Record<string, unknown>> = [];
  for (const line of text.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    try {
      events.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // A partial or non-JSON line (codex prints plain text warnings) is not an event.
    }
  }
  return events;
}

export function runAgentCli(
  bin: string,
  args: string[],
  o: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd: o.cwd,
      env: o.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, o.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // Whatever the CLI left running in its group (a daemon, a stray tool) goes with it.
      killGroup();
      resolve({ code, signal, timedOut, stdout, stderr, events: parseJsonLines(stdout) });
    });
  });
}
