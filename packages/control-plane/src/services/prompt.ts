/**
 * The prompt an agent receives: the role's system prompt, its skills, the task, the handoffs of the
 * upstream steps and the resolved Context7 setting — all of it (the first version sent only the title).
 */
export interface PromptParts {
  systemPrompt: string;
  roleName: string;
  skills: Array<{ pack: string; skills: string[] }>;
  allowedTools: string[];
  title: string;
  description: string | null;
  context7: boolean;
  upstream: Array<{
    step_id: string | null;
    task_id: number;
    summary: string;
    next_actions: string[];
    open_questions: string[];
  }>;
  workspace: string | null;
}

export function assemblePrompt(p: PromptParts): string {
  const out: string[] = [];
  if (p.systemPrompt.trim()) out.push(`# Role: ${p.roleName}\n${p.systemPrompt.trim()}`);
  else out.push(`# Role: ${p.roleName}`);
  if (p.skills.length) {
    out.push(
      ['# Skills', ...p.skills.flatMap((s) => [`## ${s.pack}`, ...s.skills.map((k) => `- ${k}`)])].join('\n'),
    );
  }
  if (p.allowedTools.length) out.push(`# Allowed tools\n${p.allowedTools.map((t) => `- ${t}`).join('\n')}`);
  out.push(`# Task\n${p.title}${p.description ? `\n\n${p.description}` : ''}`);
  if (p.upstream.length) {
    const lines = ['# Context from upstream steps'];
    for (const u of p.upstream) {
      lines.push(`## ${u.step_id ?? `task ${u.task_id}`}`, u.summary);
      if (u.next_actions.length) lines.push('Next actions:', ...u.next_actions.map((a) => `- ${a}`));
      if (u.open_questions.length) lines.push('Open questions:', ...u.open_questions.map((q) => `- ${q}`));
    }
    out.push(lines.join('\n'));
  }
  if (p.workspace) out.push(`# Workspace\n${p.workspace}`);
  out.push(
    `# Context7\n${p.context7 ? 'enabled: use Context7 to look up current library documentation' : 'disabled'}`,
  );
  return out.join('\n\n');
}

export function resolveContext7(mode: string, roleEnabled: boolean): boolean {
  if (mode === 'force_on') return true;
  if (mode === 'force_off') return false;
  return roleEnabled;
}
