import fs from 'node:fs';
import path from 'node:path';
import type { RunnerConfig } from '../config/runner.js';
import { redactDeep } from '../lib/redact.js';

/**
 * The files of one spawned attempt: `prompt.txt` (what an operator reads later: redacted), the agent's
 * own copy of the prompt, and `result.json` (written by the agent, redacted once the runner has read it).
 */
export function attemptDirOf(config: RunnerConfig, taskId: number, attempt: number): string {
  return path.join(config.dataDir, 'attempts', `task-${taskId}-attempt-${attempt}`);
}

/** The raw prompt, only while its agent runs; never kept (see writePrompt). */
export const RAW_PROMPT_FILE = 'prompt.raw.txt';

export interface PromptFiles {
  /** What MULTYAGENTS_PROMPT_FILE names: the raw prompt the agent needs. */
  agentFile: string;
  /** Removes the raw copy (a no-op when the prompt had nothing to redact). */
  removeRaw: () => void;
}

/**
 * The agent may read MULTYAGENTS_PROMPT_FILE at any time while it runs, and it needs the prompt as the
 * API sent it. A prompt with nothing to redact (nearly all) is one file, `prompt.txt`. One with a
 * secret gets a redacted `prompt.txt` and a raw `prompt.raw.txt` (0600, in the 0700 attempt dir) that
 * the agent reads and the runner deletes when the agent ends; a runner killed meanwhile deletes it at
 * its next start (removeRawPrompt from recovery).
 */
export function writePrompt(dir: string, prompt: string, safe: string): PromptFiles {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const promptFile = path.join(dir, 'prompt.txt');
  fs.writeFileSync(promptFile, safe, { mode: 0o600 });
  if (safe === prompt) return { agentFile: promptFile, removeRaw: () => {} };
  const raw = path.join(dir, RAW_PROMPT_FILE);
  fs.writeFileSync(raw, prompt, { mode: 0o600 });
  return { agentFile: raw, removeRaw: () => removeRawPrompt(dir) };
}

export function removeRawPrompt(dir: string): void {
  try {
    fs.rmSync(path.join(dir, RAW_PROMPT_FILE), { force: true });
  } catch {
    /* best effort: housekeeping removes the attempt dir later */
  }
}

/**
 * Reads the agent's result file and rewrites it redacted when it held a secret. Returns what the agent
 * wrote, parsed (raw: the report is redacted by the caller with the rest of the outcome), null when
 * there is no file, 'unparsable' otherwise.
 */
export function readResultFile(file: string, redact: (t: string) => string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? null : 'unparsable';
  }
  let parsed: unknown = 'unparsable';
  let safe: string;
  try {
    parsed = JSON.parse(text) as unknown;
    const r = redactDeep(parsed, redact);
    safe = r === parsed ? text : JSON.stringify(r);
  } catch {
    safe = redact(text);
  }
  if (safe !== text) {
    try {
      fs.writeFileSync(file, safe, { mode: 0o600 });
    } catch {
      // A full disk: better no copy than a raw one.
      fs.rmSync(file, { force: true });
    }
  }
  return parsed;
}
