/** The bot's commands, parsed from a chat message or a button's callback data. Pure. */

export type BotCommand =
  | { cmd: 'help' }
  | { cmd: 'runs' }
  | { cmd: 'run'; id: number }
  | { cmd: 'abort'; id: number; reason?: string }
  | { cmd: 'approve' | 'reject'; id: number; comment?: string }
  | { cmd: 'mute' | 'unmute'; id: number }
  | { cmd: 'muted' };

export type Parsed = BotCommand | { error: string } | null;

const ID = /^[1-9]\d{0,14}$/;

/**
 * A message's command: null when the text is not a command (it does not start with `/`), `{error}`
 * for a command we do not know or bad arguments. `/cmd@BotName` (group chats) is accepted.
 */
export function parseCommand(text: string): Parsed {
  const t = text.trim();
  if (!t.startsWith('/')) return null;
  const m = /^\/([A-Za-z_]+)(?:@\w+)?(?:\s+([\s\S]*))?$/.exec(t);
  if (!m) return { error: 'unknown command; /help lists them' };
  const name = m[1]!.toLowerCase();
  const rest = (m[2] ?? '').trim();
  const first = rest.split(/\s+/)[0] ?? '';
  // What follows the id, kept as typed (a reason or a comment may have several words).
  const tail = rest.slice(first.length).trim() || undefined;
  const needId = (what: string): number | { error: string } =>
    ID.test(first) ? Number(first) : { error: `/${name} needs a ${what} id (a positive integer)` };
  switch (name) {
    case 'help':
    case 'start':
      return { cmd: 'help' };
    case 'runs':
      return { cmd: 'runs' };
    case 'run': {
      const id = needId('run');
      return typeof id === 'number' ? { cmd: 'run', id } : id;
    }
    case 'abort': {
      const id = needId('run');
      return typeof id === 'number' ? { cmd: 'abort', id, ...(tail ? { reason: tail } : {}) } : id;
    }
    case 'muted':
      return { cmd: 'muted' };
    case 'mute':
    case 'unmute': {
      const id = needId('run');
      return typeof id === 'number' ? { cmd: name, id } : id;
    }
    case 'approve':
    case 'reject': {
      const id = needId('approval');
      return typeof id === 'number' ? { cmd: name, id, ...(tail ? { comment: tail } : {}) } : id;
    }
    default:
      return { error: `unknown command /${name}; /help lists them` };
  }
}

export type ButtonPress = { decision: 'approve' | 'reject' | 'mute'; id: number };

/** A button's callback data (`approve:<approval>` / `reject:<approval>` / `mute:<run>`), else null. */
export function parseCallbackData(data: string | undefined): ButtonPress | null {
  const m = /^(approve|reject|mute):([1-9]\d{0,14})$/.exec(data ?? '');
  return m ? { decision: m[1] as ButtonPress['decision'], id: Number(m[2]) } : null;
}

/** Who decided, as the API records it: `telegram:<username>`, else `telegram:<user id>`. */
export function actorOf(from: { id?: number; username?: string } | undefined): string {
  if (from?.username) return `telegram:${from.username}`;
  return `telegram:${from?.id ?? 'unknown'}`;
}
