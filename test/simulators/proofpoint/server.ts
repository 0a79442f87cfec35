// Proofpoint on Demand Log API simulator: a `ws` server on loopback that speaks the PoD stream protocol
// (docs/sources/proofpoint-on-demand.md): GET /v1/stream?cid=…&type=…[&sinceTime=…&toTime=…] with a
// Bearer token, one session per (token, type), live streaming with a per-(token, type) place kept for an
// hour, archive replay for sinceTime then a normal close, and knobs for what real clusters do
// (duplicates, out-of-order and mixed-offset timestamps, multi-MiB frames, idle closes, abrupt drops,
// half-open sockets, 409 storms). For tests, benchmarks and the sandbox.
import { createServer, STATUS_CODES, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { EventLog } from './event-log.ts';
import { FrameRenderer, podTs, type PodType } from './frames.ts';
import { Prng } from '../../support/prng.ts';

export type { PodType } from './frames.ts';

export const SIM_POD_CLUSTER = 'acme_hosted';
/** A fake vendor token (JWT-shaped, HS512 header); the simulator treats it as opaque. */
export const SIM_POD_TOKEN =
  'eyJhbGciOiJIUzUxMiJ9.eyJjbHVzdGVySWQiOiJhY21lX2hvc3RlZCIsInVzZXJJZCI6InNpbSJ9.c2ltdWxhdG9yLXNpZ25hdHVyZQ';
export const CONFLICT_BODY = 'Exceeded maximum number of sessions per token\r\n';
export const CONFLICT_CONTENT_TYPE = 'text/plain;charset=iso-8859-1';
const TYPES: readonly PodType[] = ['message', 'maillog', 'audit'];
const HOUR = 3_600_000;
const ARCHIVE_DAYS_MS = 30 * 24 * HOUR;
/** The server stops writing while this much waits in a session's socket (it never buffers without bound). */
const HIGH_WATER = 1024 * 1024;

export interface PodScenario {
  /** After every Nth frame of a session, send an earlier frame again (0: off). */
  duplicateEvery: number;
  /** Share of new events whose ts is earlier than their arrival, and by how much at most (ms). */
  outOfOrderShare: number;
  outOfOrderMaxMs: number;
  /** Write ts in varied offsets, with and without a colon, instead of the cluster's own. */
  mixedOffsets: boolean;
  /** Every Nth message frame carries an attachment of largeFrameBytes (0: off). */
  largeFrameEvery: number;
  /** After an abrupt drop the server holds the session this long: handshakes get 409 meanwhile. */
  releaseDelayMs: number;
  /** Close a session with 1001 after this long without a client frame (pings count); 0: never. */
  idleCloseMs: number;
  /** Drop (no close frame: 1006 for the client) every session once it sent this many frames; 0: never. */
  dropAfterFrames: number;
  /**
   * A dropped session's place goes back this many frames: resume after a drop is at-least-once. To lose
   * nothing it must exceed what the socket buffers hold (a reset discards the client's unread data).
   */
  rewindOnDrop: number;
  /** Answer the next N handshakes with 409 whatever the sessions. */
  force409: number;
  /** Open sessions stop sending and stop answering pings, without closing. */
  halfOpen: boolean;
  /** Where a new token's first live session starts: at new events, or an hour back. */
  newTokenStart: 'now' | 'hour';
}

export function defaultScenario(): PodScenario {
  return {
    duplicateEvery: 0,
    outOfOrderShare: 0,
    outOfOrderMaxMs: 30_000,
    mixedOffsets: false,
    largeFrameEvery: 0,
    releaseDelayMs: 0,
    idleCloseMs: 0,
    dropAfterFrames: 0,
    rewindOnDrop: 0,
    force409: 0,
    halfOpen: false,
    newTokenStart: 'now',
  };
}

export interface PodSimulatorOptions {
  clock?: { now(): number };
  seed?: number;
  /** Cluster id → its token. Default: SIM_POD_CLUSTER with SIM_POD_TOKEN. */
  clusters?: Record<string, string>;
  /** The cluster's UTC offset in minutes (ts is written in local time). Default -480 (-0800). */
  offsetMinutes?: number;
  largeFrameBytes?: number;
  scenario?: Partial<PodScenario>;
}

export interface PodSimulatorStats {
  handshakes: Record<string, number>;
  liveSessions: number;
  /** The raw sinceTime of every archive session, as received. */
  archiveQueries: string[];
  framesSent: number;
  duplicatesSent: number;
  largeFramesSent: number;
  drops: number;
  idleCloses: number;
  pingsReceived: number;
}

interface Place {
  next: number;
  lastSeen: number;
  heldUntil: number;
  active: Session | undefined;
}

interface Session {
  ws: WebSocket;
  cid: string;
  type: PodType;
  place: Place;
  /** Archive sessions: the window [since, to) and the scan position; live ones use place.next. */
  archive?: { since: number; to: number; next: number; end: number };
  sent: number;
  /** Live sessions: one past the last frame whose write completed (handed to the kernel). */
  written: number;
  lastClientFrame: number;
  timer?: NodeJS.Timeout;
  closed: boolean;
}

export interface PodSimulator {
  /** `ws://127.0.0.1:PORT/v1/stream` */
  readonly url: string;
  readonly port: number;
  readonly scenario: PodScenario;
  /** Logs `count` events arriving evenly over [from, to] (ms); returns the first one's sequence number. */
  add(type: PodType, count: number, range: { from: number; to: number }, cid?: string): number;
  /** Keeps logging `perSecond` events arriving now, until the returned function is called. */
  produce(type: PodType, perSecond: number, cid?: string): () => void;
  /** How many events the cluster logged for `type`. */
  count(type: PodType, cid?: string): number;
  /** The guid (message, audit) or id (maillog) of event `seq`. */
  idOf(type: PodType, seq: number, cid?: string): string;
  /** Drops every open session without a close frame (the client sees 1006). */
  dropAll(): void;
  /** Closes every open session normally (1000). */
  closeAll(): void;
  stats(): PodSimulatorStats;
  close(): Promise<void>;
}

export async function startPodSimulator(opts: PodSimulatorOptions = {}): Promise<PodSimulator> {
  const sim = new Simulator(opts);
  await sim.listen();
  return sim;
}

class Simulator implements PodSimulator {
  readonly scenario: PodScenario;
  readonly #clock: { now(): number };
  readonly #seed: number;
  readonly #tokens: Map<string, string>;
  readonly #offset: number;
  readonly #largeBytes: number;
  readonly #logs = new Map<string, EventLog>();
  readonly #renderers = new Map<string, FrameRenderer>();
  readonly #places = new Map<string, Place>();
  readonly #sessions = new Set<Session>();
  readonly #producers = new Set<NodeJS.Timeout>();
  readonly #skew: Prng;
  readonly #http = createServer();
  readonly #wss = new WebSocketServer({ noServer: true, autoPong: false, perMessageDeflate: false });
  readonly #stats: PodSimulatorStats = {
    handshakes: {},
    liveSessions: 0,
    archiveQueries: [],
    framesSent: 0,
    duplicatesSent: 0,
    largeFramesSent: 0,
    drops: 0,
    idleCloses: 0,
    pingsReceived: 0,
  };
  port = 0;

  constructor(opts: PodSimulatorOptions) {
    this.#clock = opts.clock ?? { now: () => Date.now() };
    this.#seed = opts.seed ?? 1;
    this.#tokens = new Map(Object.entries(opts.clusters ?? { [SIM_POD_CLUSTER]: SIM_POD_TOKEN }));
    this.#offset = opts.offsetMinutes ?? -480;
    this.#largeBytes = opts.largeFrameBytes ?? 2 * 1024 * 1024;
    this.scenario = { ...defaultScenario(), ...opts.scenario };
    this.#skew = Prng.derive(this.#seed, 'pod:skew');
    this.#http.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', 'http://sim');
      const status = url.pathname !== '/v1/stream' ? 404 : req.method !== 'GET' ? 405 : 400;
      this.#count(status);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(STATUS_CODES[status]);
    });
    this.#http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.#upgrade(req, socket, head),
    );
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/v1/stream`;
  }

  listen(): Promise<void> {
    return new Promise((resolve) =>
      this.#http.listen(0, '127.0.0.1', () => {
        this.port = (this.#http.address() as AddressInfo).port;
        resolve();
      }),
    );
  }

  #log(cid: string, type: PodType): EventLog {
    const k = `${cid}|${type}`;
    let log = this.#logs.get(k);
    if (!log) this.#logs.set(k, (log = new EventLog()));
    return log;
  }

  #renderer(cid: string, type: PodType): FrameRenderer {
    const k = `${cid}|${type}`;
    let r = this.#renderers.get(k);
    if (!r) this.#renderers.set(k, (r = new FrameRenderer(this.#seed, type, cid, this.#largeBytes)));
    return r;
  }

  add(type: PodType, count: number, range: { from: number; to: number }, cid = SIM_POD_CLUSTER): number {
    const log = this.#log(cid, type);
    const first = log.length;
    const s = this.scenario;
    for (let i = 0; i < count; i++) {
      const arrived = count === 1 ? range.to : range.from + ((range.to - range.from) * i) / (count - 1);
      const late = s.outOfOrderShare > 0 && this.#skew.chance(s.outOfOrderShare);
      log.append(arrived, late ? arrived - this.#skew.int(1, Math.max(2, s.outOfOrderMaxMs)) : arrived);
    }
    for (const session of this.#sessions)
      if (session.cid === cid && session.type === type) this.#pump(session);
    return first;
  }

  produce(type: PodType, perSecond: number, cid = SIM_POD_CLUSTER): () => void {
    let last = this.#clock.now();
    let carry = 0;
    const timer = setInterval(() => {
      const now = this.#clock.now();
      const due = ((now - last) * perSecond) / 1000 + carry;
      const n = Math.floor(due);
      carry = due - n;
      if (n > 0) this.add(type, n, { from: last, to: now }, cid);
      last = now;
    }, 20);
    this.#producers.add(timer);
    return () => {
      clearInterval(timer);
      this.#producers.delete(timer);
    };
  }

  count(type: PodType, cid = SIM_POD_CLUSTER): number {
    return this.#log(cid, type).length;
  }

  idOf(type: PodType, seq: number, cid = SIM_POD_CLUSTER): string {
    return this.#renderer(cid, type).id(seq);
  }

  stats(): PodSimulatorStats {
    return structuredClone(this.#stats);
  }

  #count(status: number): void {
    this.#stats.handshakes[status] = (this.#stats.handshakes[status] ?? 0) + 1;
  }

  #reject(socket: Socket, status: number, body: string, contentType = 'text/html;charset=iso-8859-1'): void {
    this.#count(status);
    const head =
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      `Date: ${new Date(this.#clock.now()).toUTCString()}\r\n` +
      `Content-Type: ${contentType}\r\n` +
      `Content-Length: ${Buffer.byteLength(body, 'latin1')}\r\n` +
      'Connection: close\r\n\r\n';
    socket.end(head + body, 'latin1');
  }

  #upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname !== '/v1/stream') return this.#reject(socket, 404, 'Not Found');
    if (req.method !== 'GET') return this.#reject(socket, 405, 'Method Not Allowed');
    const q = url.searchParams;
    const cid = q.get('cid');
    const type = q.get('type') as PodType | null;
    if (!cid || !type || !TYPES.includes(type))
      return this.#reject(socket, 400, 'cid and type (message, maillog or audit) are required');
    const now = this.#clock.now();
    let since: number | undefined;
    let to: number | undefined;
    for (const name of ['sinceTime', 'toTime'] as const) {
      const raw = q.get(name);
      if (raw === null) continue;
      const ms = parseApiTime(raw);
      if (ms === undefined) return this.#reject(socket, 400, `invalid ${name}: ${raw}`);
      if (ms < now - ARCHIVE_DAYS_MS) return this.#reject(socket, 400, `${name} is older than 30 days`);
      if (name === 'sinceTime') since = Math.floor(ms / HOUR) * HOUR;
      else to = Math.ceil(ms / HOUR) * HOUR;
    }
    const auth = req.headers.authorization ?? '';
    const token = /^Bearer (\S+)$/.exec(auth)?.[1];
    if (!token || this.#tokens.get(cid) !== token) return this.#reject(socket, 401, 'Unauthorized');
    const key = `${token}|${type}`;
    let place = this.#places.get(key);
    if (this.scenario.force409 > 0 || (place && (place.active !== undefined || now < place.heldUntil))) {
      if (this.scenario.force409 > 0) this.scenario.force409--;
      return this.#reject(socket, 409, CONFLICT_BODY, CONFLICT_CONTENT_TYPE);
    }
    const log = this.#log(cid, type);
    if (!place) {
      const start =
        this.scenario.newTokenStart === 'hour' ? log.firstArrivedAtOrAfter(now - HOUR) : log.length;
      place = { next: start, lastSeen: now, heldUntil: 0, active: undefined };
      this.#places.set(key, place);
    }
    const session: Session = {
      ws: undefined as never,
      cid,
      type,
      place,
      sent: 0,
      written: place.next,
      lastClientFrame: now,
      closed: false,
    };
    if (since !== undefined) {
      this.#stats.archiveQueries.push(q.get('sinceTime')!);
      session.archive = { since, to: to ?? now, next: log.firstArrivedAtOrAfter(since), end: log.length };
    } else {
      this.#stats.liveSessions++;
      // Away longer than an hour: only the last hour is left for this token.
      if (now - place.lastSeen > HOUR)
        place.next = Math.max(place.next, log.firstArrivedAtOrAfter(now - HOUR));
    }
    place.active = session;
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#count(101);
      session.ws = ws;
      session.written = place.next;
      this.#sessions.add(session);
      ws.on('ping', (data) => {
        this.#stats.pingsReceived++;
        session.lastClientFrame = this.#clock.now();
        if (!this.scenario.halfOpen) ws.pong(data);
      });
      ws.on('message', () => (session.lastClientFrame = this.#clock.now()));
      ws.on('error', () => undefined);
      ws.on('close', (code) => this.#ended(session, code !== 1000 && code !== 1001));
      session.timer = setInterval(() => this.#tick(session), 50);
      this.#pump(session);
    });
  }

  #tick(s: Session): void {
    const idle = this.scenario.idleCloseMs;
    if (idle > 0 && this.#clock.now() - s.lastClientFrame > idle && !s.closed) {
      this.#stats.idleCloses++;
      s.ws.close(1001, 'idle timeout');
      return;
    }
    this.#pump(s);
  }

  #ended(s: Session, abrupt: boolean): void {
    if (s.closed) return;
    s.closed = true;
    clearInterval(s.timer);
    this.#sessions.delete(s);
    const place = s.place;
    const now = this.#clock.now();
    if (place.active === s) place.active = undefined;
    if (!s.archive) place.lastSeen = now;
    if (abrupt) {
      place.heldUntil = now + this.scenario.releaseDelayMs;
      // Frames still queued in this process were never sent: the place goes back to the last written one.
      if (!s.archive) place.next = Math.max(0, Math.min(place.next, s.written) - this.scenario.rewindOnDrop);
    }
  }

  #drop(s: Session): void {
    this.#stats.drops++;
    s.ws.terminate();
    this.#ended(s, true);
  }

  dropAll(): void {
    for (const s of [...this.#sessions]) this.#drop(s);
  }

  closeAll(): void {
    for (const s of [...this.#sessions]) s.ws.close(1000, '');
  }

  #frame(s: Session, seq: number): string {
    const log = this.#log(s.cid, s.type);
    const sc = this.scenario;
    const ms = log.ts(seq);
    const micros = (seq * 379) % 1000;
    let ts: string;
    if (sc.mixedOffsets) {
      const variants: [number, boolean][] = [
        [this.#offset, false],
        [330, false],
        [0, false],
        [-300, true],
        [60, true],
      ];
      const [off, colon] = variants[seq % variants.length]!;
      ts = podTs(ms, micros, off, colon);
    } else ts = podTs(ms, micros, this.#offset);
    const large = s.type === 'message' && sc.largeFrameEvery > 0 && seq % sc.largeFrameEvery === 0;
    if (large) this.#stats.largeFramesSent++;
    return this.#renderer(s.cid, s.type).render(seq, ts, large);
  }

  /** Sends what the session may send until its socket pushes back. */
  #pump(s: Session): void {
    if (s.closed || !s.ws || this.scenario.halfOpen) return;
    const log = this.#log(s.cid, s.type);
    const sc = this.scenario;
    for (let burst = 0; burst < 512; burst++) {
      // A session being closed sends nothing more: its place must not move past what was sent.
      if (s.ws.readyState !== WebSocket.OPEN) return;
      if (s.ws.bufferedAmount > HIGH_WATER) return; // the tick retries
      let seq: number;
      if (s.archive) {
        const a = s.archive;
        while (a.next < a.end && !(log.ts(a.next) >= a.since && log.ts(a.next) < a.to)) a.next++;
        if (a.next >= a.end) {
          this.#ended(s, false);
          s.ws.close(1000, '');
          return;
        }
        seq = a.next++;
      } else {
        if (s.place.next >= log.length) return;
        seq = s.place.next++;
      }
      s.ws.send(this.#frame(s, seq), (err) => {
        if (!err && !s.archive && seq + 1 > s.written) s.written = seq + 1;
      });
      s.sent++;
      this.#stats.framesSent++;
      if (sc.duplicateEvery > 0 && s.sent % sc.duplicateEvery === 0) {
        s.ws.send(this.#frame(s, Math.max(0, seq - (s.sent % 7))));
        this.#stats.duplicatesSent++;
      }
      if (sc.dropAfterFrames > 0 && s.sent >= sc.dropAfterFrames) return this.#drop(s);
    }
    setImmediate(() => this.#pump(s));
  }

  async close(): Promise<void> {
    for (const t of this.#producers) clearInterval(t);
    for (const s of [...this.#sessions]) {
      s.ws.terminate();
      this.#ended(s, true);
    }
    this.#wss.close();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }
}

const API_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:?\d{2})$/;

/** The API's time parameter: ISO 8601 with an offset (`…-0400`, `…+00:00`, `…Z`); undefined otherwise. */
export function parseApiTime(raw: string): number | undefined {
  const m = API_TIME.exec(raw);
  if (!m) return undefined;
  const ms = Date.parse(
    `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${(m[7] ?? '0').padEnd(3, '0').slice(0, 3)}${m[8] === 'Z' ? 'Z' : `${m[8]!.slice(0, 3)}:${m[8]!.slice(-2)}`}`,
  );
  return Number.isNaN(ms) ? undefined : ms;
}
