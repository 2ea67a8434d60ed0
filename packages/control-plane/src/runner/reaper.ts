import { spawn, type ChildProcess } from 'node:child_process';

/**
 * The reaper: a tiny detached watchdog process, one per runner, that kills the agents' process groups
 * when the runner dies without saying goodbye (kill -9, OOM, a crash). Agents run in their own process
 * groups (so that a tree can be killed at once), which also means the kernel does not take them down
 * with the runner; without this, a `kill -9` of the runner would orphan every running agent until the
 * runner restarts. The runner tells the reaper `+pgid` / `-pgid` over a pipe; end of file without `bye`
 * means the runner is gone: SIGTERM every group, SIGKILL after the grace, exit.
 */
const REAPER_SOURCE = `
const groups = new Set();
let buf = '', bye = false;
const grace = Number(process.argv[1]) || 2000;
const sig = (s) => { for (const g of groups) { try { process.kill(-g, s); } catch {} } };
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const line = buf.slice(0, i); buf = buf.slice(i + 1);
    if (line === 'bye') bye = true;
    else if (line[0] === '+') groups.add(Number(line.slice(1)));
    else if (line[0] === '-') groups.delete(Number(line.slice(1)));
  }
});
const end = () => {
  if (bye || groups.size === 0) process.exit(0);
  sig('SIGTERM');
  setTimeout(() => { sig('SIGKILL'); process.exit(0); }, grace);
};
process.stdin.on('end', end);
process.stdin.on('error', end);
for (const s of ['SIGINT', 'SIGHUP', 'SIGTERM']) process.on(s, () => {});
`;

export class Reaper {
  private child: ChildProcess | null = null;

  start(graceMs: number): void {
    this.child = spawn(process.execPath, ['-e', REAPER_SOURCE, String(graceMs)], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    this.child.on('error', () => {
      this.child = null;
    });
    this.child.stdin?.on('error', () => undefined);
    // The reaper must not keep the runner alive, and must outlive it.
    this.child.unref();
    (this.child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  watch(pgid: number): void {
    this.child?.stdin?.write(`+${pgid}\n`);
  }

  unwatch(pgid: number): void {
    this.child?.stdin?.write(`-${pgid}\n`);
  }

  /** A clean stop: the runner has killed its agents itself. */
  stop(): void {
    this.child?.stdin?.end('bye\n');
    this.child = null;
  }
}
