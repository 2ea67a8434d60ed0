/**
 * Whether the kernel's OOM killer struck while an agent ran. A SIGKILL the runner did not send has
 * several possible senders (a person, another program, the OOM killer); only the kernel's own counter
 * tells. Linux keeps one per memory cgroup: `oom_kill N` in `memory.oom_control` (cgroup v1) and in
 * `memory.events` (cgroup v2). The runner reads it in the agent's cgroup when it spawns the agent and
 * again when the agent died of a SIGKILL it did not send: a rise means a process of that cgroup was
 * OOM-killed meanwhile. It is a count, not a pid: the runner says "most likely", never more. Without a
 * memory cgroup (no /proc, no controller, not Linux) nothing is claimed.
 */
import fs from 'node:fs';
import path from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** `oom_kill N` of a memory.oom_control (v1) or memory.events (v2) text; null when absent. */
export function parseOomKills(text: string): number | null {
  const m = /^oom_kill (\d+)$/m.exec(text);
  return m ? Number(m[1]) : null;
}

/**
 * The files that may hold the oom_kill counter of a process, from its /proc/<pid>/cgroup text, best
 * first: the v1 memory hierarchy, then v2 (unified at the root, or under `unified` on a hybrid host).
 */
export function oomCounterFiles(procCgroup: string, root = CGROUP_ROOT): string[] {
  const out: string[] = [];
  for (const line of procCgroup.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const rel = line.slice(second + 1);
    if (controllers.split(',').includes('memory'))
      out.unshift(path.join(root, 'memory', rel, 'memory.oom_control'));
    else if (line.startsWith('0::'))
      out.push(path.join(root, rel, 'memory.events'), path.join(root, 'unified', rel, 'memory.events'));
  }
  return out;
}

export interface OomCounter {
  /** Processes OOM-killed in the cgroup since `start`; null when there is no counter to read. */
  since(): number | null;
}

function readCount(file: string): number | null {
  try {
    return parseOomKills(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** Start counting for `pid` (the agent just spawned; the runner's own cgroup if it is already gone). */
export function startOomCounter(pid: number, root = CGROUP_ROOT): OomCounter {
  let text = '';
  for (const p of [String(pid), 'self']) {
    try {
      text = fs.readFileSync(`/proc/${p}/cgroup`, 'utf8');
      break;
    } catch {
      // Gone already (an agent can die before we look): it was born in the runner's cgroup.
    }
  }
  for (const file of oomCounterFiles(text, root)) {
    const start = readCount(file);
    if (start === null) continue;
    return {
      since: () => {
        const now = readCount(file);
        return now === null ? null : Math.max(0, now - start);
      },
    };
  }
  return { since: () => null };
}
