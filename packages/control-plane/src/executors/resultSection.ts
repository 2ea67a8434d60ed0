/**
 * The one short section that tells a coding agent where to leave its handoff for the next steps. It
 * is added by the agent executors (codex, claude), which know the attempt's result file — the API's
 * prompt stays free of it, so the audit copy and the submit stay small for every other executor. An
 * agent that writes no file still hands off: its final message becomes the summary (runner/attempts.ts).
 */
export function withResultSection(prompt: string, resultFile: string): string {
  return [
    prompt,
    '# Result',
    `When you are done, write your result as JSON to ${resultFile} (also in the environment variable ` +
      'MULTYAGENTS_RESULT_FILE):\n' +
      '{"summary": "what you did, for the next step", "next_actions": ["..."], "open_questions": ["..."], ' +
      '"artifacts": [{"artifact_type": "file", "location": "path/you/wrote", "summary": "..."}]}',
  ].join('\n\n');
}

/**
 * Finds the result file in a prompt made by withResultSection (first group): what a scripted model
 * (agentsim `pathInPrompt`) reads to write it, as a real model reads the sentence.
 */
export const RESULT_FILE_IN_PROMPT = 'write your result as JSON to (\\S+) \\(also in the environment';
