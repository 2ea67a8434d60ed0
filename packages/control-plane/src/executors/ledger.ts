import fs from 'node:fs';
import path from 'node:path';

/**
 * The effect ledger: one JSON line per execution of an agent, so drills can prove "executed exactly
 * once". Why one write on an O_APPEND descriptor: concurrent appenders (several agents, several
 * runners) then never interleave inside a line.
 */
export interface LedgerLine {
  task_id: number;
  attempt: number;
  started_at: string;
  pid: number | null;
  [extra: string]: unknown;
}

export function appendLedgerLine(file: string, line: LedgerLine): void {
  const flags = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT;
  let fd: number;
  try {
    fd = fs.openSync(file, flags, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fd = fs.openSync(file, flags, 0o644);
  }
  try {
    fs.writeSync(fd, `${JSON.stringify(line)}\n`);
  } finally {
    fs.closeSync(fd);
  }
}

export function readLedger(file: string): LedgerLine[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LedgerLine);
}
