import type { RunnerAttemptState, RunnerCapability } from '@multyagents/contracts';
import type { RunnerConfig } from '../config/runner.js';
import type { Logger } from '../lib/logger.js';
import { backoffMs } from './decisions.js';
import { describeError, type Transport } from './http.js';
import type { Journal } from './journal.js';

export interface PresenceDeps {
  config: RunnerConfig;
  transport: Transport;
  journal: Journal;
  logger: Logger;
  token: string;
  /** Our own URL, as the API should call it. */
  url: string;
  version: string;
  /** What this runner can honour (the API refuses at dispatch what no runner can). */
  capabilities?: RunnerCapability[];
  attempts: () => RunnerAttemptState[];
  freeSlots: () => number;
  draining: () => boolean;
  onCancel: (list: Array<{ task_id: number; attempt: number }>) => void;
  /** The API answered a registration or a heartbeat with success (the outbox need not wait any more). */
  onReachable?: (how: 'register' | 'heartbeat') => void;
  /** The API issued this runner its own credential: keep it (durably) and send it from now on. */
  saveCredential?: (credential: string) => void;
}

/** Journal meta key of the runner's own credential (`<id>.<secret>`, issued at registration). */
export const CREDENTIAL_META = 'runner_credential';

/**
 * Registration and heartbeats. Registration retries with backoff until the API answers; a heartbeat
 * answered 404 (the API forgot us, e.g. a fresh store) registers again. Cancels the API could not
 * deliver directly come back in the heartbeat answer and are applied here.
 */
export class Presence {
  id: number | null;
  intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private failures = 0;
  private registeredOnce: () => void = () => undefined;
  /** Resolves at the first successful registration. */
  readonly registered: Promise<void>;

  constructor(private readonly d: PresenceDeps) {
    const stored = Number(d.journal.getMeta('runner_id'));
    this.id = Number.isInteger(stored) && stored > 0 ? stored : null;
    this.intervalMs = d.config.heartbeatMs;
    this.registered = new Promise((r) => (this.registeredOnce = r));
  }

  start(): void {
    void this.register();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private later(ms: number, fn: () => Promise<void>): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void fn(), ms);
  }

  private complain(what: string, detail: string): void {
    this.failures++;
    if (this.failures === 1 || this.failures % 30 === 0) {
      this.d.logger.warn({ api: this.d.config.apiUrl, failures: this.failures, detail }, what);
    }
  }

  private reached(how: 'register' | 'heartbeat'): void {
    try {
      this.d.onReachable?.(how);
    } catch (err) {
      this.d.logger.error({ err: describeError(err) }, 'could not act on the API being reachable');
    }
  }

  private async register(): Promise<void> {
    const { config } = this.d;
    const body = {
      name: config.name,
      url: this.d.url,
      capacity: config.capacity,
      labels: config.labels,
      executor: config.executor,
      version: this.d.version,
      capabilities: this.d.capabilities ?? [],
      attempts: this.d.attempts(),
    };
    try {
      const r = await this.d.transport.post(`${config.apiUrl}/runners/register`, this.d.token, body);
      const id = Number(r.json?.id);
      if (r.status >= 200 && r.status < 300 && Number.isInteger(id) && id > 0) {
        const credential = r.json?.credential;
        if (typeof credential === 'string' && credential) this.d.saveCredential?.(credential);
        this.id = id;
        this.d.journal.setMeta('runner_id', String(id));
        const hb = Number(r.json?.heartbeat_interval_ms);
        if (Number.isFinite(hb) && hb >= 10) this.intervalMs = hb;
        this.failures = 0;
        this.d.logger.info({ runnerId: id, heartbeatMs: this.intervalMs }, 'registered with the API');
        this.registeredOnce();
        this.later(this.intervalMs, () => this.heartbeat());
        this.reached('register');
        return;
      }
      if (r.status === 401) this.d.logger.error('registration refused: wrong runner token (401)');
      if (r.status === 409 && r.json?.code === 'RUNNER_NAME_TAKEN')
        this.d.logger.error(
          { name: config.name, runnerId: r.json?.runner_id ?? null },
          'registration refused: another runner holds this name and this data dir has not its credential; ' +
            'use another name, or have an operator reset the runner (POST /runners/<id>/reset-credential)',
        );
      this.complain('registration failed: will retry', `HTTP ${r.status}: ${r.text.slice(0, 300)}`);
    } catch (err) {
      this.complain('API unreachable for registration: will retry', describeError(err));
    }
    this.later(backoffMs(this.failures, 5000, Math.random), () => this.register());
  }

  /**
   * Tell the API now, not at the next heartbeat, that this runner is shutting down: it stops placing
   * work here, so a restart under load sends nothing to a runner that would refuse it or be gone.
   * Best effort (bounded by the API timeout); a submit that still arrives is answered 503
   * RUNNER_DRAINING, which the API treats as a busy runner.
   */
  announceDraining(): Promise<boolean> {
    return this.announce({ draining: true }, 'drains');
  }

  /**
   * The last word of a graceful stop, after the drain and the outbox flush: this runner is exiting.
   * The API marks it offline at once instead of waiting for its heartbeat timeout, so time-to-start
   * counts from now for work that waits for a runner (a restart's new process registers and takes it).
   * Stops the heartbeats first: a later one would say it is online again.
   */
  announceStopped(): Promise<boolean> {
    this.stop();
    return this.announce({ draining: true, stopped: true }, 'stops');
  }

  private async announce(flags: { draining: boolean; stopped?: boolean }, what: string): Promise<boolean> {
    const id = this.id;
    if (id === null) return false;
    try {
      const r = await this.d.transport.post(`${this.d.config.apiUrl}/runners/${id}/heartbeat`, this.d.token, {
        attempts: this.d.attempts(),
        free_slots: 0,
        ...flags,
      });
      return r.status >= 200 && r.status < 300;
    } catch (err) {
      this.d.logger.warn({ err: describeError(err) }, `could not tell the API that this runner ${what}`);
      return false;
    }
  }

  private async heartbeat(): Promise<void> {
    const id = this.id;
    if (id === null) return this.register();
    try {
      const r = await this.d.transport.post(`${this.d.config.apiUrl}/runners/${id}/heartbeat`, this.d.token, {
        attempts: this.d.attempts(),
        free_slots: this.d.freeSlots(),
        draining: this.d.draining(),
      });
      if (r.status === 404) {
        this.d.logger.warn({ runnerId: id }, 'the API does not know this runner any more: registering again');
        return this.register();
      }
      if (r.status === 401 && r.json?.code === 'RUNNER_CREDENTIAL_INVALID') {
        // An operator reset our credential (or the API lost it): register again to get a new one.
        this.d.logger.warn({ runnerId: id }, 'the API refused our credential: registering again');
        return this.register();
      }
      if (r.status >= 200 && r.status < 300) {
        this.failures = 0;
        this.reached('heartbeat');
        const cancel = Array.isArray(r.json?.cancel) ? (r.json.cancel as unknown[]) : [];
        const list = cancel
          .map((c) => c as { task_id?: unknown; attempt?: unknown })
          .filter((c) => Number.isInteger(c.task_id) && Number.isInteger(c.attempt))
          .map((c) => ({ task_id: c.task_id as number, attempt: c.attempt as number }));
        if (list.length > 0) this.d.onCancel(list);
      } else {
        this.complain('heartbeat refused', `HTTP ${r.status}: ${r.text.slice(0, 300)}`);
      }
    } catch (err) {
      this.complain('heartbeat failed (API unreachable)', describeError(err));
    }
    this.later(this.intervalMs, () => this.heartbeat());
  }
}
