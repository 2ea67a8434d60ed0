/**
 * The Telegram bridge: follows the API's event stream and sends notifications to the allowed chats
 * (through an outbox, so a slow Telegram never holds the stream), and long-polls getUpdates for the
 * operator's commands and button presses. Its position in both is kept in the state file.
 */
import type { Logger } from 'pino';
import type { TelegramConfig } from '../config/telegram.js';
import { CliError } from '../cli/errors.js';
import type { JsonClient } from '../cli/http.js';
import { runTasks } from '../cli/runApi.js';
import { followEvents } from '../cli/sse.js';
import type { TelegramClient } from './botApi.js';
import { TelegramError } from './botApi.js';
import { actorOf, parseCallbackData, parseCommand, type BotCommand } from './commands.js';
import { notificationOf, runOf, type EventLike, type Notification } from './filter.js';
import {
  approvalDecidedText,
  approvalKeyboard,
  approvalPendingText,
  controlText,
  errorText,
  escapeHtml,
  HELP_TEXT,
  mutedText,
  muteKeyboard,
  runDetailText,
  runFailedText,
  runnerLostText,
  runnerUnreachableText,
  runsListText,
  runSucceededText,
  type ApprovalLike,
  type InlineKeyboard,
  type RunLike,
  type TaskLike,
} from './format.js';
import {
  committedEventId,
  MAX_MUTED_RUNS,
  readState,
  sameState,
  writeState,
  type BridgeState,
} from './state.js';

/** Notifications waiting for Telegram; past this the oldest are dropped (logged), the stream goes on. */
const OUTBOX_MAX = 1000;
const STATE_WRITE_DELAY_MS = 500;

interface Outgoing {
  eventId: number;
  text: string;
  keyboard?: InlineKeyboard;
  /** Chats still to send to. */
  chats: number[];
}

interface TgUser {
  id?: number;
  username?: string;
}
interface TgMessage {
  message_id: number;
  chat: { id: number };
  from?: TgUser;
  text?: string;
}
interface TgUpdate {
  update_id: number;
  message?: TgMessage;
  callback_query?: { id: string; from?: TgUser; message?: TgMessage; data?: string };
}

export interface BridgeDeps {
  cfg: TelegramConfig;
  api: JsonClient;
  /** Operator token header for the event stream. */
  headers: Record<string, string>;
  tg: TelegramClient;
  log: Logger;
  signal: AbortSignal;
}

/** The API's error as `{code, message}` (its catalogue code when it gave one). */
function apiError(err: unknown): { code: string; message: string } {
  if (err instanceof CliError) {
    const body = err.details as { detail?: unknown } | undefined;
    const detail = typeof body?.detail === 'string' ? body.detail : err.message;
    return { code: err.code, message: detail };
  }
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

export class TelegramBridge {
  /** What the state file holds now. */
  private written: BridgeState;
  private followed: number | null;
  private lastUpdateId: number | null;
  private readonly outbox: Outgoing[] = [];
  private wake: (() => void) | null = null;
  private stateTimer: NodeJS.Timeout | null = null;
  private readonly allowed: Set<number>;
  /** Runs whose notifications are silenced (`/mute`), kept in the state file. */
  private readonly muted: Set<number>;

  constructor(private readonly d: BridgeDeps) {
    this.written = readState(d.cfg.statePath);
    this.followed = this.written.last_event_id;
    this.lastUpdateId = this.written.last_update_id;
    this.muted = new Set(this.written.muted_runs);
    this.allowed = new Set(d.cfg.chatIds);
  }

  /** Runs until the signal aborts; then writes the state a last time. */
  async run(): Promise<void> {
    const { log, cfg } = this.d;
    log.info(
      { chats: cfg.chatIds, notify: [...cfg.notify], resume_after_event: this.written.last_event_id },
      'telegram bridge started',
    );
    this.d.signal.addEventListener('abort', () => this.wake?.(), { once: true });
    await Promise.all([this.followLoop(), this.sendLoop(), this.pollLoop()]);
    if (this.stateTimer) clearTimeout(this.stateTimer);
    this.saveState();
    log.info({ last_event_id: this.written.last_event_id }, 'telegram bridge stopped');
  }

  // --- state ---------------------------------------------------------------------------------------

  private saveState(): void {
    const next: BridgeState = {
      last_event_id: committedEventId(
        this.followed,
        this.outbox.map((o) => o.eventId),
      ),
      last_update_id: this.lastUpdateId,
      muted_runs: [...this.muted].sort((a, b) => a - b),
    };
    if (sameState(next, this.written)) return;
    try {
      writeState(this.d.cfg.statePath, next);
      this.written = next;
    } catch (err) {
      this.d.log.error({ err: (err as Error).message }, 'cannot write the telegram state file');
    }
  }

  /** Events without a notification move the position too: written soon, not once per event. */
  private saveStateSoon(): void {
    if (this.stateTimer) return;
    this.stateTimer = setTimeout(() => {
      this.stateTimer = null;
      this.saveState();
    }, STATE_WRITE_DELAY_MS);
  }

  // --- the event stream → the outbox --------------------------------------------------------------

  private async followLoop(): Promise<void> {
    const { api, headers, signal, log } = this.d;
    for (let round = 0; !signal.aborted; round++) {
      try {
        await followEvents({
          baseUrl: api.baseUrl,
          headers,
          // First start: no id, so only new events; afterwards exactly the ones not notified yet.
          afterId: this.followed,
          signal,
          maxReconnects: 1_000_000,
          onOpen: (after) => log.info({ after_id: after }, 'event stream connected'),
          onEvent: async (frame) => {
            const e = JSON.parse(frame.data) as EventLike;
            const n = notificationOf(e, this.d.cfg.notify);
            const run = n ? runOf(n) : null;
            if (n && run !== null && this.muted.has(run)) log.debug({ event_id: e.id, run }, 'muted run');
            else if (n) await this.enqueue(e.id, n);
            this.followed = e.id;
            this.saveStateSoon();
            return signal.aborted;
          },
        });
      } catch (err) {
        if (signal.aborted) break;
        // A 4xx (e.g. a wrong operator token) is retried too, slowly: the operator sees it in the log.
        log.error({ err: (err as Error).message, round }, 'event stream failed; retrying');
        await new Promise((r) => setTimeout(r, 5000));
      }
    }
  }

  private async enqueue(eventId: number, n: Notification): Promise<void> {
    let out: { text: string; keyboard?: InlineKeyboard };
    try {
      out = await this.render(n);
    } catch (err) {
      // The API could not say more: a short message still goes out.
      this.d.log.warn({ err: (err as Error).message, notification: n }, 'notification details unavailable');
      out = {
        text: escapeHtml(`⚠️ ${n.kind} (event ${eventId}): ${JSON.stringify(n)}; details unavailable`),
      };
    }
    this.outbox.push({ eventId, ...out, chats: [...this.d.cfg.chatIds] });
    while (this.outbox.length > OUTBOX_MAX) {
      const dropped = this.outbox.shift()!;
      this.d.log.error({ event_id: dropped.eventId }, 'telegram outbox full: oldest notification dropped');
    }
    this.wake?.();
  }

  private async render(n: Notification): Promise<{ text: string; keyboard?: InlineKeyboard }> {
    const { api } = this.d;
    switch (n.kind) {
      case 'failed': {
        const run = await api.get<RunLike>(`/workflow-runs/${n.runId}`);
        const tasks = (await runTasks(api, n.runId)) as TaskLike[];
        return { text: runFailedText(run, tasks), keyboard: muteKeyboard(n.runId) };
      }
      case 'control':
        return { text: controlText(n.runId, n.action, n.actor, n.reason), keyboard: muteKeyboard(n.runId) };
      case 'succeeded':
        return { text: runSucceededText(await api.get<RunLike>(`/workflow-runs/${n.runId}`)) };
      case 'approval': {
        const a = await this.withTask(await api.get<ApprovalLike>(`/approvals/${n.approvalId}`));
        return { text: approvalPendingText(a), keyboard: approvalKeyboard(a.id, a.run_id ?? n.runId) };
      }
      case 'runner-unreachable':
        return { text: runnerUnreachableText(n.runnerId, await this.runnerName(n.runnerId), n.url) };
      case 'runner-lost':
        return {
          text: runnerLostText(
            n.taskId,
            n.runId,
            n.runnerId === null ? '?' : await this.runnerName(n.runnerId),
          ),
        };
    }
  }

  /** An approval with its task's run, step and title (GET /approvals/{id} gives only the task id). */
  private async withTask(a: ApprovalLike): Promise<ApprovalLike> {
    try {
      const t = await this.d.api.get<{ run_id?: number | null; step_id?: string | null; title?: string }>(
        `/tasks/${a.task_id}`,
      );
      return { ...a, run_id: t.run_id ?? null, step_id: t.step_id ?? null, task_title: t.title };
    } catch {
      return a;
    }
  }

  private async runnerName(id: number): Promise<string> {
    try {
      const list = await this.d.api.get<Array<{ id: number; name: string }>>('/runners', 3000);
      return list.find((r) => r.id === id)?.name ?? `runner#${id}`;
    } catch {
      return `runner#${id}`;
    }
  }

  // --- the outbox → Telegram ----------------------------------------------------------------------

  private async sendLoop(): Promise<void> {
    const { tg, log, signal } = this.d;
    while (!signal.aborted) {
      const next = this.outbox[0];
      if (!next) {
        await new Promise<void>((r) => {
          this.wake = r;
          if (signal.aborted) r();
        });
        this.wake = null;
        continue;
      }
      while (next.chats.length && !signal.aborted) {
        const chat = next.chats[0]!;
        try {
          await tg.sendMessage(chat, next.text, next.keyboard);
          next.chats.shift();
        } catch (err) {
          if (signal.aborted) break;
          const transient = err instanceof TelegramError && err.transient;
          log.error({ err: (err as Error).message, chat, event_id: next.eventId }, 'telegram send failed');
          // A refusal (bad chat, bad text) will not change: that chat is skipped. A transient failure
          // after the client's own retries: wait, then try again (the stream keeps going meanwhile).
          if (!transient) next.chats.shift();
          else await new Promise((r) => setTimeout(r, 2000));
        }
      }
      if (next.chats.length === 0 && this.outbox[0] === next) this.outbox.shift();
      this.saveState();
    }
  }

  // --- getUpdates → commands and buttons ----------------------------------------------------------

  private async pollLoop(): Promise<void> {
    const { tg, log, signal, cfg } = this.d;
    let failures = 0;
    while (!signal.aborted) {
      let updates: TgUpdate[];
      try {
        const offset = this.lastUpdateId === null ? null : this.lastUpdateId + 1;
        updates = await tg.getUpdates<TgUpdate>(offset, cfg.pollTimeoutSec);
        failures = 0;
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        log.error({ err: (err as Error).message }, 'telegram getUpdates failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(30_000, 1000 * failures)));
        continue;
      }
      for (const u of updates) {
        if (signal.aborted) break;
        try {
          await this.handleUpdate(u);
        } catch (err) {
          log.error({ err: (err as Error).message, update_id: u.update_id }, 'telegram update failed');
        }
        // Handled (or failed) once: a restart does not act on it again.
        this.lastUpdateId = u.update_id;
        this.saveState();
      }
    }
  }

  private async handleUpdate(u: TgUpdate): Promise<void> {
    const { log } = this.d;
    if (u.callback_query) {
      const cq = u.callback_query;
      const chat = cq.message?.chat.id;
      if (chat === undefined || !this.allowed.has(chat)) {
        log.warn(
          { chat, from: cq.from?.id, update_id: u.update_id },
          'callback from a chat not allowed: ignored',
        );
        return;
      }
      await this.handleButton(chat, cq.id, cq.message!, cq.from, cq.data);
      return;
    }
    const m = u.message;
    if (!m) return;
    if (!this.allowed.has(m.chat.id)) {
      log.warn(
        { chat: m.chat.id, from: m.from?.id, update_id: u.update_id },
        'message from a chat not allowed: ignored',
      );
      return;
    }
    const parsed = parseCommand(m.text ?? '');
    if (parsed === null) return;
    const reply =
      'error' in parsed ? errorText('USAGE', parsed.error) : await this.execute(parsed, actorOf(m.from));
    await this.d.tg.sendMessage(m.chat.id, reply);
  }

  private async handleButton(
    chat: number,
    callbackId: string,
    message: TgMessage,
    from: TgUser | undefined,
    data: string | undefined,
  ): Promise<void> {
    const { tg, api, log } = this.d;
    const press = parseCallbackData(data);
    if (!press) {
      await tg.answerCallbackQuery(callbackId, 'unknown button');
      return;
    }
    const actor = actorOf(from);
    if (press.decision === 'mute') {
      const answer = this.mute(press.id, actor);
      await tg.answerCallbackQuery(callbackId, answer);
      await tg.sendMessage(chat, escapeHtml(answer));
      return;
    }
    try {
      const a = await this.withTask(
        await api.post<ApprovalLike>(`/approvals/${press.id}/${press.decision}`, { actor }),
      );
      log.info({ approval_id: a.id, status: a.status, actor }, 'approval decided from telegram');
      await tg.answerCallbackQuery(callbackId, `${a.status} by ${actor}`);
      await tg.editMessageText(chat, message.message_id, approvalDecidedText(a));
    } catch (err) {
      if (err instanceof TelegramError) throw err;
      const { code, message: msg } = apiError(err);
      await tg.answerCallbackQuery(callbackId, `${code}: ${msg}`);
      await tg.sendMessage(chat, errorText(code, msg));
      // Decided elsewhere meanwhile: the message shows by whom, without buttons.
      if (code === 'APPROVAL_ALREADY_DECIDED') {
        const a = await api.get<ApprovalLike>(`/approvals/${press.id}`).catch(() => null);
        if (a && a.status !== 'pending')
          await tg.editMessageText(chat, message.message_id, approvalDecidedText(a));
      }
    }
  }

  /** Silence a run's notifications (every allowed chat: they share one bot and one state file). */
  private mute(runId: number, actor: string): string {
    if (this.muted.has(runId)) return `run ${runId} is already muted`;
    if (this.muted.size >= MAX_MUTED_RUNS)
      return `MUTE_LIMIT: ${MAX_MUTED_RUNS} runs are muted already; /unmute some first`;
    this.muted.add(runId);
    this.saveState();
    this.d.log.info({ run_id: runId, actor }, 'run muted');
    return `run ${runId} muted by ${actor}: /unmute ${runId} to hear from it again`;
  }

  /** A command's answer, or its error as one line with the API's code. */
  private async execute(c: BotCommand, actor: string): Promise<string> {
    const { api } = this.d;
    try {
      switch (c.cmd) {
        case 'help':
          return HELP_TEXT;
        case 'runs':
          return runsListText(await api.get<RunLike[]>('/workflow-runs?limit=10'));
        case 'run': {
          const run = await api.get<RunLike>(`/workflow-runs/${c.id}`);
          const order = new Map((run.task_ids ?? []).map((t, i) => [t, i]));
          const tasks = ((await runTasks(api, c.id)) as TaskLike[]).sort(
            (x, y) => (order.get(x.id) ?? 1e9) - (order.get(y.id) ?? 1e9),
          );
          return runDetailText(run, tasks);
        }
        case 'abort': {
          const run = await api.post<RunLike>(`/workflow-runs/${c.id}/abort`, { actor, reason: c.reason });
          return escapeHtml(`run ${run.id} ${run.status} by ${actor}${c.reason ? `: ${c.reason}` : ''}`);
        }
        case 'mute':
          // The run must exist: a typo would otherwise silence nothing, quietly.
          await api.get<RunLike>(`/workflow-runs/${c.id}`);
          return escapeHtml(this.mute(c.id, actor));
        case 'unmute': {
          const was = this.muted.delete(c.id);
          this.saveState();
          if (was) this.d.log.info({ run_id: c.id, actor }, 'run unmuted');
          return escapeHtml(was ? `run ${c.id} unmuted by ${actor}` : `run ${c.id} was not muted`);
        }
        case 'muted':
          return mutedText([...this.muted].sort((a, b) => a - b));
        case 'approve':
        case 'reject': {
          const a = await api.post<ApprovalLike>(`/approvals/${c.id}/${c.cmd}`, {
            actor,
            comment: c.comment,
          });
          return approvalDecidedText(await this.withTask(a));
        }
      }
    } catch (err) {
      const { code, message } = apiError(err);
      return errorText(code, message);
    }
  }
}
