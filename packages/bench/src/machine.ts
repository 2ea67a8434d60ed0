import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { packageRoot } from './paths.js';
import { DROPPED_ENV } from './procs.js';

export interface MachineInfo {
  cpu_model: string;
  cores: number;
  total_memory_mb: number;
  node_version: string;
  platform: string;
  kernel: string;
  /** The filesystem under the temp dir, where the benchmark's stores live. */
  tmp_dir: string;
  /** Settings present here that the bench's API and runners start without (procs.ts DROPPED_ENV). */
  dropped_env: string[];
}

export function machineInfo(tmpDir = os.tmpdir()): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu_model: cpus[0]?.model?.trim() || 'unknown',
    cores: cpus.length,
    total_memory_mb: Math.round(os.totalmem() / 1024 / 1024),
    node_version: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    tmp_dir: tmpDir,
    dropped_env: DROPPED_ENV.filter((k) => process.env[k] !== undefined),
  };
}

export interface GitInfo {
  commit: string | null;
  dirty: boolean | null;
}

export function gitInfo(): GitInfo {
  const cwd = packageRoot();
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd,
      encoding: 'utf8',
    });
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** Resident set size of a process in MiB from /proc (Linux); null elsewhere or when it is gone. */
export function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}

/**
 * CPU time (user + system, all threads) a process has used so far, in ms, from /proc (Linux); null
 * elsewhere or when it is gone. Clock ticks are 100 per second on every Linux Node runs on here.
 */
export function cpuMs(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself hold spaces.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return null;
  }
}
