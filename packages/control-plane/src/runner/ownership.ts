import fs from 'node:fs';
import path from 'node:path';
import { pidAlive } from '../executors/procfs.js';
import { AppError } from '../lib/errors.js';

/**
 * A runner data dir is owned by one runner process. `runner.pid` names the owner for humans and
 * refuses early with a clear message; the exclusive lock on runner.db (Journal.open) is what refuses
 * a second process for sure, even when a stale pid file survived a kill -9.
 */
function readPid(file: string): number | null {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

export function claimRunnerDir(dataDir: string): { file: string; release: () => void } {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'runner.pid');
  const owner = readPid(file);
  if (owner !== null && owner !== process.pid && pidAlive(owner)) {
    throw new AppError(
      'DATA_DIR_LOCKED',
      `runner: data dir ${dataDir} is in use by another runner (pid ${owner}, ${file}); ` +
        'stop it or give this runner its own --data-dir',
      { pid: owner },
    );
  }
  // Another runner inside this very process (tests) keeps its pid file: the journal lock refuses us.
  const mine = owner !== process.pid;
  fs.writeFileSync(file, `${process.pid}\n`, { mode: 0o600 });
  return {
    file,
    release: () => {
      if (mine && readPid(file) === process.pid) fs.rmSync(file, { force: true });
    },
  };
}
