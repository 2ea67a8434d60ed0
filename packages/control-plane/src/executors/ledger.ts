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

/**
 * The ledger this process appends to, kept open: in-process agents (benchmarks) add a line per
 * attempt, and an open + close per line cost more than the write. One file at a time (a process
 * writes one ledger); a file removed under us (its link count drops to 0) is opened again.
 */
let current: { file: string; fd: number } | null = null;

function openLedger(file: string): number {
  if (current?.file === file) {
    if (fs.fstatSync(current.fd).nlink > 0) return current.fd;
  }
  if (current) fs.closeSync(current.fd);
  current = null;
  const flags = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT;
  let fd: number;
  try {
    fd = fs.openSync(file, flags, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fd = fs.openSync(file, flags, 0o644);
  }
  current = { file, fd };
  return fd;
}

export function appendLedgerLine(file: string, line: LedgerLine): void {
  fs.writeSync(openLedger(file), `${JSON.stringify(line)}\n`);
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
