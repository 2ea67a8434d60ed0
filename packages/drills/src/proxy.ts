/**
 * A small TCP fault proxy of our own (node:net), placed between the API and a runner. It speaks
 * Toxiproxy's vocabulary so its HTTP façade (toxiproxyApi.ts) works with existing clients:
 *
 * - enabled/disabled ("down"): disabling closes the listener (new connections are refused) and cuts
 *   every open connection; enabling listens again on the same port.
 * - toxics, each on a stream (`upstream` = client → server bytes, `downstream` = server → client) with a
 *   toxicity (probability that it applies to a given connection, drawn from a seeded generator):
 *   `latency` {latency, jitter} ms · `timeout` {timeout} ms: black hole, data is dropped and the
 *   connection closed after `timeout` (0: held open until the toxic goes) · `reset_peer` {timeout} ms:
 *   TCP RST after the timeout · `limit_data` {bytes}: close once that many bytes went through ·
 *   `bandwidth` {rate} KB/s.
 * Toxics act on open connections too (a partition must also cut keep-alive connections). Counters say
 * whether a toxic actually touched traffic, which is how a drill knows its fault fired.
 */
import net from 'node:net';

export type ToxicType = 'latency' | 'timeout' | 'reset_peer' | 'limit_data' | 'bandwidth';
export type Stream = 'upstream' | 'downstream';

export interface Toxic {
  name: string;
  type: ToxicType;
  stream: Stream;
  toxicity: number;
  attributes: Record<string, number>;
}

export interface ToxicInput {
  name?: string;
  type: ToxicType;
  stream?: Stream;
  toxicity?: number;
  attributes?: Record<string, number>;
}

export interface ProxyStats {
  connections: number;
  active: number;
  bytes_upstream: number;
  bytes_downstream: number;
  dropped_bytes: number;
  delayed_chunks: number;
  resets: number;
  limited: number;
  timeouts_closed: number;
  cut_by_disable: number;
  upstream_errors: number;
}

const TOXIC_TYPES: ToxicType[] = ['latency', 'timeout', 'reset_peer', 'limit_data', 'bandwidth'];

interface Direction {
  from: net.Socket;
  to: net.Socket;
  stream: Stream;
  lastRelease: number;
  pending: number;
  ended: boolean;
  bytes: number;
}

interface Link {
  id: number;
  client: net.Socket;
  upstream: net.Socket;
  dirs: Direction[];
  /** toxic name → applies to this connection (decided once by toxicity). */
  applies: Map<string, boolean>;
  timers: NodeJS.Timeout[];
  tainted: boolean;
  closed: boolean;
}

export function normalizeToxic(t: ToxicInput): Toxic {
  if (!TOXIC_TYPES.includes(t.type)) throw new Error(`unknown toxic type ${String(t.type)}`);
  const stream = t.stream ?? 'downstream';
  if (stream !== 'upstream' && stream !== 'downstream')
    throw new Error(`stream must be upstream or downstream`);
  const toxicity = t.toxicity ?? 1;
  if (!(toxicity >= 0 && toxicity <= 1)) throw new Error('toxicity must be between 0 and 1');
  return {
    name: t.name ?? `${t.type}_${stream}`,
    type: t.type,
    stream,
    toxicity,
    attributes: { ...t.attributes },
  };
}

export class FaultProxy {
  readonly name: string;
  readonly upstream: { host: string; port: number };
  readonly listenHost: string;
  private listenPort: number;
  private server: net.Server | null = null;
  private readonly links = new Set<Link>();
  private readonly toxics: Toxic[] = [];
  private nextLinkId = 1;
  private enabledFlag = true;
  private shut = false;
  private readonly random: () => number;
  readonly stats: ProxyStats = {
    connections: 0,
    active: 0,
    bytes_upstream: 0,
    bytes_downstream: 0,
    dropped_bytes: 0,
    delayed_chunks: 0,
    resets: 0,
    limited: 0,
    timeouts_closed: 0,
    cut_by_disable: 0,
    upstream_errors: 0,
  };

  constructor(opts: {
    name: string;
    upstream: { host: string; port: number };
    listenHost?: string;
    listenPort?: number;
    random?: () => number;
  }) {
    this.name = opts.name;
    this.upstream = opts.upstream;
    this.listenHost = opts.listenHost ?? '127.0.0.1';
    this.listenPort = opts.listenPort ?? 0;
    this.random = opts.random ?? Math.random;
  }

  get port(): number {
    return this.listenPort;
  }

  get url(): string {
    return `http://${this.listenHost}:${this.listenPort}`;
  }

  get enabled(): boolean {
    return this.enabledFlag;
  }

  get listen(): string {
    return `${this.listenHost}:${this.listenPort}`;
  }

  async start(): Promise<void> {
    if (this.shut) throw new Error(`proxy ${this.name} is closed`);
    if (this.server) return;
    const server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.listenHost, port: this.listenPort }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => undefined);
    const addr = server.address();
    if (typeof addr === 'object' && addr) this.listenPort = addr.port;
    this.server = server;
    this.enabledFlag = true;
  }

  /** "down": refuse new connections and cut the open ones. */
  async disable(): Promise<void> {
    this.enabledFlag = false;
    const server = this.server;
    this.server = null;
    for (const l of [...this.links]) {
      this.stats.cut_by_disable++;
      this.closeLink(l, 'destroy');
    }
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  async enable(): Promise<void> {
    await this.start();
  }

  /** Stop for good: close the listener and every connection. */
  async close(): Promise<void> {
    this.shut = true;
    await this.disable();
    this.toxics.length = 0;
  }

  listToxics(): Toxic[] {
    return this.toxics.map((t) => ({ ...t, attributes: { ...t.attributes } }));
  }

  addToxic(input: ToxicInput): Toxic {
    const t = normalizeToxic(input);
    if (this.toxics.some((x) => x.name === t.name)) throw new Error(`toxic ${t.name} already exists`);
    this.toxics.push(t);
    for (const l of this.links) this.arm(l, t);
    return t;
  }

  updateToxic(name: string, patch: Partial<ToxicInput>): Toxic {
    const i = this.toxics.findIndex((x) => x.name === name);
    if (i < 0) throw new Error(`toxic ${name} not found`);
    const old = this.toxics[i]!;
    const next = normalizeToxic({
      ...old,
      ...patch,
      name,
      attributes: { ...old.attributes, ...patch.attributes },
    });
    this.toxics[i] = next;
    return next;
  }

  removeToxic(name: string): boolean {
    const i = this.toxics.findIndex((x) => x.name === name);
    if (i < 0) return false;
    const [t] = this.toxics.splice(i, 1);
    // Bytes a black hole swallowed leave the HTTP stream on that connection corrupt: cut it.
    if (t!.type === 'timeout') for (const l of [...this.links]) if (l.tainted) this.closeLink(l, 'destroy');
    for (const l of this.links) l.applies.delete(name);
    return true;
  }

  clearToxics(): void {
    for (const t of [...this.toxics]) this.removeToxic(t.name);
  }

  private appliesTo(l: Link, t: Toxic): boolean {
    let a = l.applies.get(t.name);
    if (a === undefined) {
      a = t.toxicity >= 1 ? true : this.random() < t.toxicity;
      l.applies.set(t.name, a);
    }
    return a;
  }

  /** Toxics with their own timers: reset_peer, and timeout's close. */
  private arm(l: Link, t: Toxic): void {
    if (!this.appliesTo(l, t)) return;
    const after = Math.max(0, t.attributes.timeout ?? 0);
    if (t.type === 'reset_peer') {
      l.timers.push(
        setTimeout(() => {
          if (!this.toxics.includes(t) || l.closed) return;
          this.stats.resets++;
          this.closeLink(l, 'reset');
        }, after),
      );
    }
    if (t.type === 'timeout' && after > 0) {
      l.timers.push(
        setTimeout(() => {
          if (!this.toxics.includes(t) || l.closed) return;
          this.stats.timeouts_closed++;
          this.closeLink(l, 'destroy');
        }, after),
      );
    }
  }

  private accept(client: net.Socket): void {
    this.stats.connections++;
    this.stats.active++;
    const upstream = net.connect({ host: this.upstream.host, port: this.upstream.port });
    const link: Link = {
      id: this.nextLinkId++,
      client,
      upstream,
      dirs: [],
      applies: new Map(),
      timers: [],
      tainted: false,
      closed: false,
    };
    link.dirs = [
      { from: client, to: upstream, stream: 'upstream', lastRelease: 0, pending: 0, ended: false, bytes: 0 },
      {
        from: upstream,
        to: client,
        stream: 'downstream',
        lastRelease: 0,
        pending: 0,
        ended: false,
        bytes: 0,
      },
    ];
    this.links.add(link);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    upstream.on('error', () => {
      this.stats.upstream_errors++;
      this.closeLink(link, 'destroy');
    });
    client.on('error', () => this.closeLink(link, 'destroy'));
    client.on('close', () => this.closeLink(link, 'destroy'));
    upstream.on('close', () => this.closeLink(link, 'destroy'));
    for (const d of link.dirs) {
      d.from.on('data', (chunk: Buffer) => this.onData(link, d, chunk));
      d.from.on('end', () => {
        d.ended = true;
        if (d.pending === 0) d.to.end();
      });
    }
    for (const t of this.toxics) this.arm(link, t);
  }

  private onData(l: Link, d: Direction, chunk: Buffer): void {
    if (l.closed) return;
    const active = this.toxics.filter((t) => t.stream === d.stream && this.appliesTo(l, t));
    if (active.some((t) => t.type === 'timeout')) {
      this.stats.dropped_bytes += chunk.length;
      l.tainted = true;
      return;
    }
    let data = chunk;
    let closeAfter = false;
    for (const t of active.filter((x) => x.type === 'limit_data')) {
      const limit = Math.max(0, t.attributes.bytes ?? 0);
      const room = limit - d.bytes;
      if (data.length >= room) {
        data = data.subarray(0, Math.max(0, room));
        closeAfter = true;
      }
    }
    let delay = 0;
    for (const t of active) {
      if (t.type === 'latency') {
        const jitter = t.attributes.jitter ?? 0;
        delay += Math.max(0, (t.attributes.latency ?? 0) + (jitter ? (this.random() * 2 - 1) * jitter : 0));
      }
      if (t.type === 'bandwidth' && (t.attributes.rate ?? 0) > 0) delay += data.length / t.attributes.rate!;
    }
    d.bytes += data.length;
    if (d.stream === 'upstream') this.stats.bytes_upstream += data.length;
    else this.stats.bytes_downstream += data.length;
    const write = () => {
      d.pending--;
      if (l.closed) return;
      if (data.length > 0 && !d.to.write(data)) {
        d.from.pause();
        d.to.once('drain', () => d.from.resume());
      }
      if (closeAfter) {
        this.stats.limited++;
        this.closeLink(l, 'end');
      } else if (d.ended && d.pending === 0) d.to.end();
    };
    d.pending++;
    if (delay <= 0 && d.pending === 1) return write();
    // Keep order: a chunk never overtakes an earlier, more delayed one.
    const release = Math.max(Date.now() + delay, d.lastRelease);
    d.lastRelease = release;
    this.stats.delayed_chunks++;
    l.timers.push(setTimeout(write, Math.max(0, release - Date.now())));
  }

  private closeLink(l: Link, how: 'destroy' | 'reset' | 'end'): void {
    if (l.closed) return;
    l.closed = true;
    this.links.delete(l);
    this.stats.active--;
    for (const t of l.timers) clearTimeout(t);
    for (const s of [l.client, l.upstream]) {
      if (how === 'reset' && !s.destroyed) s.resetAndDestroy();
      else if (how === 'end') s.end(() => s.destroy());
      else s.destroy();
    }
  }
}
