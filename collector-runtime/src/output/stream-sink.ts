// A Sink over byte-stream connections (TLS to Devo, TCP/TLS to a relay): one bounded queue drained by N
// connections, each reconnecting with capped jittered backoff forever while the sink runs. What opens a
// connection is plugged in (`connect`), so the Devo and syslog outputs share all of this.
//
// Delivery: write() resolves once every byte of the batch went through a socket write callback on a live
// connection. Each connection keeps what it wrote until a clean close proves the receiver read it; one that
// dies hands all of it back, to be written first on the next connection: at-least-once (see
// StreamSinkOptions.resend_buffer_bytes and docs/design-notes.md "Output resend").
import type { Socket } from 'node:net';
import { backoffDelay, type BackoffPolicy } from '../core/backoff.ts';
import type { Clock } from '../core/clock.ts';
import { CollectorError } from '../core/errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { CollectorMetrics } from '../metrics/catalog.ts';
import { Connection, type ConnectionSettings } from './connection.ts';
import type { ClassifiedError } from './connection-error.ts';
import { GzipSendQueue } from './gzip-send-queue.ts';
import { SendQueue, type Chunk } from './send-queue.ts';
import type { LineBatch, Sink, SinkStatus } from './sink.ts';
import type { StreamSinkOptions } from './stream-sink-options.ts';

export interface StreamSinkDeps {
  name: string;
  collector: string;
  log: Logger;
  metrics: CollectorMetrics;
  clock: Clock;
  /** How log lines name the other side: 'Devo', 'syslog relay'. */
  peer: string;
  /** `host:port`, for logs. */
  endpoint: string;
  /** Checks what can be checked before connecting (certificate files); rejects with a CollectorError. */
  preflight?(): Promise<void>;
  /** Opens a connection ready for data; destroys its socket and rejects when `signal` aborts. */
  connect(signal: AbortSignal): Promise<Socket>;
  classify(err: unknown): ClassifiedError;
}

type ConnectReason = 'initial' | 'idle' | 'max_age' | 'resend_buffer_full' | 'failure';

interface Slot {
  index: number;
  state: 'down' | 'connecting' | 'backoff' | 'up' | 'closing';
  conn: Connection | undefined;
  /** Consecutive failed connects or short-lived connections; drives the backoff. */
  failures: number;
  /** Why the next connect happens (metric label). */
  reason: ConnectReason;
  /** Connect even with nothing to send: until the first success, so problems show up at start. */
  eager: boolean;
  abort: AbortController;
  /** A kick is scheduled for the next turn of the event loop (setImmediate). */
  kickSoon: boolean;
}

export function createStreamSink(options: StreamSinkOptions, deps: StreamSinkDeps): Sink {
  return new StreamSink(options, deps);
}

class StreamSink implements Sink {
  readonly name: string;
  readonly #o: StreamSinkOptions;
  readonly #d: StreamSinkDeps;
  readonly #queue: SendQueue;
  readonly #slots: Slot[];
  readonly #settings: ConnectionSettings;
  readonly #backoff: BackoffPolicy;
  /** Connections being replaced (closing cleanly) and their close. */
  readonly #closing = new Map<Connection, Promise<unknown>>();
  readonly #labels: { collector: string; output: string };
  readonly #bytes;
  readonly #resent;
  readonly #connected;
  #started = false;
  #accepting = true;
  #stopped = false;
  #stopping: Promise<void> | undefined;
  #lastError: string | undefined;

  constructor(options: StreamSinkOptions, deps: StreamSinkDeps) {
    this.name = deps.name;
    this.#o = options;
    this.#d = deps;
    this.#labels = { collector: deps.collector, output: deps.name };
    this.#bytes = deps.metrics.senderBytes.labels(this.#labels);
    this.#resent = deps.metrics.senderResentEvents.labels(this.#labels);
    this.#connected = deps.metrics.senderConnected.labels(this.#labels);
    const queueGauge = deps.metrics.senderQueueEvents.labels(this.#labels);
    deps.metrics.senderQueueCapacity.set(this.#labels, options.queue_max_events);
    const gzip = options.compression === 'gzip';
    const queueOptions = {
      maxEvents: options.queue_max_events,
      maxBytes: options.queue_max_bytes,
      chunkBytes: gzip ? options.compression_buffer_in_bytes : options.write_chunk_bytes,
      onWork: () => {
        for (const slot of this.#slots) this.#kickNextTurn(slot);
      },
      onSize: (events: number) => queueGauge.set(events),
    };
    this.#queue = gzip
      ? new GzipSendQueue(queueOptions, options.compression_level)
      : new SendQueue(queueOptions);
    const connections = Math.max(1, options.concurrent_connections);
    this.#settings = {
      clock: deps.clock,
      maxInflightBytes: 4 * options.write_chunk_bytes,
      maxUnreadBytes: Math.floor(options.resend_buffer_bytes / connections),
    };
    this.#backoff = {
      initialMs: options.reconnect_initial_seconds * 1000,
      maxMs: options.reconnect_max_seconds * 1000,
    };
    this.#slots = Array.from({ length: connections }, (_, index) => ({
      index,
      state: 'down' as const,
      conn: undefined,
      failures: 0,
      reason: 'initial' as const,
      eager: false,
      abort: new AbortController(),
      kickSoon: false,
    }));
  }

  async start(): Promise<void> {
    if (this.#started) return;
    if (this.#stopping) throw new CollectorError('CR_ERR_SHUTDOWN', `output ${this.name} was stopped`);
    await this.#d.preflight?.();
    this.#started = true;
    for (const slot of this.#slots) {
      slot.eager = true;
      this.#kick(slot);
    }
  }

  write(batch: LineBatch): Promise<void> {
    if (!this.#accepting)
      return Promise.reject(
        new CollectorError('CR_ERR_SHUTDOWN', `output ${this.name} is stopping: batch not accepted`),
      );
    return this.#queue.push(batch);
  }

  status(): SinkStatus {
    const s: SinkStatus = {
      connected: this.#slots.some((slot) => slot.state === 'up'),
      queuedEvents: this.#queue.events,
    };
    if (this.#lastError !== undefined) s.lastError = this.#lastError;
    return s;
  }

  stop(timeoutMs: number): Promise<void> {
    this.#stopping ??= this.#stop(timeoutMs);
    return this.#stopping;
  }

  async #stop(timeoutMs: number): Promise<void> {
    const { log, clock } = this.#d;
    // One budget for the flush and the closes: a hung receiver must not stretch the stop past it.
    const deadline = Date.now() + timeoutMs;
    const closeMs = () => Math.min(this.#o.close_timeout_seconds * 1000, Math.max(0, deadline - Date.now()));
    this.#accepting = false;
    this.#queue.rejectWaiting(
      new CollectorError('CR_ERR_SHUTDOWN', `output ${this.name} is stopping: batch not accepted`),
    );
    if (this.#started && !this.#queue.isEmpty()) {
      const timeout = new AbortController();
      await Promise.race([
        this.#queue.whenEmpty(),
        // Leave time for the closes (the receiver's FIN proves it read everything).
        clock
          .sleep(timeoutMs - Math.min(this.#o.close_timeout_seconds * 1000, timeoutMs / 4), timeout.signal)
          .catch(() => undefined),
      ]);
      timeout.abort();
    }
    this.#stopped = true;
    for (const slot of this.#slots) slot.abort.abort(new CollectorError('CR_ERR_SHUTDOWN', 'output stopped'));
    const closes = this.#slots.map((slot) => {
      const conn = slot.conn;
      slot.conn = undefined;
      slot.state = 'down';
      return conn?.close(closeMs());
    });
    const replaced = setTimeout(() => {
      for (const conn of this.#closing.keys()) conn.destroy(new Error('the stop deadline passed'));
    }, closeMs());
    await Promise.all([...closes, ...this.#closing.values()]);
    clearTimeout(replaced);
    this.#connected.set(0);
    const unsent = this.#queue.rejectAll(
      new CollectorError('CR_ERR_SHUTDOWN', `output ${this.name} stopped before the batch was written`),
    );
    if (unsent > 0) log.warn({ events: unsent }, `Stopped sending to ${this.#d.peer} with events unsent`);
    else log.info(`Stopped sending to ${this.#d.peer}`);
  }

  #kick(slot: Slot): void {
    if (!this.#started || this.#stopped) return;
    if (slot.state === 'down') {
      if (slot.eager || this.#queue.hasWork()) void this.#connect(slot);
      return;
    }
    if (slot.state !== 'up' || !this.#queue.hasWork()) return;
    const conn = slot.conn!;
    if (conn.full && conn.isOpen) return this.#recycle(slot, 'resend_buffer_full');
    if (!conn.canWrite()) return;
    const now = this.#d.clock.now();
    // Checked before a send, like the Python SDK: Devo drops idle connections, and long ones are recycled.
    if (now - conn.lastWriteAt > this.#o.idle_reconnect_seconds * 1000) return this.#recycle(slot, 'idle');
    if (now - conn.connectedAt > this.#o.max_connection_age_seconds * 1000)
      return this.#recycle(slot, 'max_age');
    // One chunk per turn of the event loop (TLS encrypts it synchronously): the loop's other work gets in
    // between, and the next chunk follows at once if the connection takes more.
    const chunk = this.#queue.take();
    if (chunk === undefined) return;
    conn.write(chunk);
    if (conn.canWrite() && this.#queue.hasWork()) this.#kickNextTurn(slot);
  }

  /**
   * Closes the slot's connection cleanly; the next connection opens once there is something to send. One
   * after the other: until the close proves the receiver read everything, the old connection's bytes stay in
   * the resend buffer, and the new one must not add to it.
   */
  #recycle(slot: Slot, reason: ConnectReason): void {
    const old = slot.conn!;
    slot.conn = undefined;
    slot.state = 'closing';
    this.#updateConnected();
    this.#d.log.debug({ connection: slot.index, reason }, `Closing connection to ${this.#d.peer}`);
    const closing = old.close(this.#o.close_timeout_seconds * 1000).finally(() => this.#closing.delete(old));
    this.#closing.set(old, closing);
    slot.reason = reason;
    void closing.then(() => {
      if (this.#stopped || slot.state !== 'closing') return;
      slot.state = 'down';
      this.#kick(slot);
    });
  }

  /**
   * Closes the connection cleanly once nothing was written on it for idle_reconnect_seconds. The endpoint
   * drops idle connections itself, and a FIN we did not ask for hands back everything the connection wrote:
   * the whole last batch would be sent twice after every quiet spell. Our own clean close proves it was
   * read, and frees the resend buffer while the collector waits for its next pull.
   */
  async #closeWhenIdle(slot: Slot, conn: Connection): Promise<void> {
    const { clock } = this.#d;
    const idleMs = this.#o.idle_reconnect_seconds * 1000;
    for (;;) {
      const idleFor = clock.now() - conn.lastWriteAt;
      try {
        await clock.sleep(idleFor <= idleMs ? idleMs - idleFor + 1 : idleMs, slot.abort.signal);
      } catch {
        return; // stopped
      }
      if (slot.conn !== conn || slot.state !== 'up') return;
      // With work queued the next send recycles it (#kick); with writes in flight it is not idle.
      if (clock.now() - conn.lastWriteAt > idleMs && !this.#queue.hasWork() && conn.inflightBytes === 0)
        return this.#recycle(slot, 'idle');
    }
  }

  async #connect(slot: Slot): Promise<void> {
    const { log, metrics, peer } = this.#d;
    slot.state = 'connecting';
    const reason = slot.reason;
    const signal = AbortSignal.any([
      slot.abort.signal,
      AbortSignal.timeout(this.#o.connect_timeout_seconds * 1000),
    ]);
    let socket: Socket;
    try {
      socket = await this.#d.connect(signal);
    } catch (err) {
      if (this.#stopped) return;
      const c = this.#d.classify(err);
      metrics.senderConnects.inc({ ...this.#labels, result: 'error', reason });
      metrics.senderErrors.inc({ ...this.#labels, kind: c.kind });
      this.#lastError = c.message;
      slot.failures++;
      log.warn(
        { connection: slot.index, kind: c.kind, err: this.#explained(c, err), attempt: slot.failures },
        `Failed to connect to ${peer}`,
      );
      slot.reason = 'failure';
      return this.#waitAndReconnect(slot);
    }
    if (this.#stopped) {
      socket.destroy();
      return;
    }
    const conn = new Connection(socket, this.#settings, {
      confirmed: (c, chunk) => this.#onConfirmed(slot, c, chunk),
      lost: (c, err, resend) => this.#onLost(slot, c, err, resend),
    });
    slot.conn = conn;
    slot.state = 'up';
    slot.eager = false;
    this.#lastError = undefined;
    metrics.senderConnects.inc({ ...this.#labels, result: 'success', reason });
    this.#updateConnected();
    log.info({ endpoint: this.#d.endpoint, connection: slot.index, reason }, `Connected to ${peer}`);
    this.#kick(slot);
    if (this.#o.idle_reconnect_seconds > 0) void this.#closeWhenIdle(slot, conn);
  }

  async #waitAndReconnect(slot: Slot): Promise<void> {
    slot.state = 'backoff';
    try {
      await this.#d.clock.sleep(backoffDelay(slot.failures - 1, this.#backoff), slot.abort.signal);
    } catch {
      return; // stopped
    }
    slot.state = 'down';
    this.#kick(slot);
  }

  #onConfirmed(slot: Slot, conn: Connection, chunk: Chunk): void {
    this.#bytes.inc(chunk.payload.length);
    this.#queue.confirm(chunk);
    if (slot.conn === conn) this.#kickNextTurn(slot);
  }

  /**
   * Writes wait for the next turn of the event loop: every write() made meanwhile lands in one chunk, and the
   * loop gets its turn between writes. While the kernel takes every write at once, write callbacks arrive as
   * process.nextTick callbacks; kicking from them (or from the microtasks of the batches they settle) would
   * drain the whole queue, tens of MiB, without returning to the loop once: pulls, token refreshes and
   * /healthz waited seconds (test/bench/RESULTS.md "Output path").
   */
  #kickNextTurn(slot: Slot): void {
    if (slot.kickSoon) return;
    slot.kickSoon = true;
    setImmediate(() => {
      slot.kickSoon = false;
      this.#kick(slot);
    });
  }

  #onLost(slot: Slot, conn: Connection, err: Error | undefined, resend: Chunk[]): void {
    const { log, metrics, peer, clock } = this.#d;
    let resendBytes = 0;
    let resendEvents = 0;
    for (const chunk of resend) {
      resendBytes += chunk.payload.length;
      resendEvents += chunk.lines;
    }
    const c = this.#d.classify(err);
    metrics.senderErrors.inc({ ...this.#labels, kind: c.kind });
    if (this.#stopped) {
      // Nothing can be resent any more: say how much the server may not have read. Those bytes stay in the
      // kernel's send buffer, which keeps delivering them after we exit; only a receiver crash loses them.
      log.warn(
        { kind: c.kind, err: this.#explained(c, err), bytes: resendBytes, events: resendEvents },
        `Closed connection to ${peer} unconfirmed`,
      );
      return;
    }
    this.#lastError = c.message;
    this.#queue.requeue(resend);
    this.#resent.inc(resendEvents);
    log.warn(
      {
        connection: slot.index,
        kind: c.kind,
        err: this.#explained(c, err),
        resendBytes,
        resendEvents,
      },
      `Lost connection to ${peer}`,
    );
    if (slot.conn !== conn) return; // a replaced connection that failed while closing
    slot.conn = undefined;
    slot.state = 'down';
    this.#updateConnected();
    slot.reason = 'failure';
    // A connection that dies right away (a server that accepts and drops) must not make us spin.
    if (clock.now() - conn.connectedAt >= this.#backoff.initialMs) {
      slot.failures = 0;
      this.#kick(slot);
    } else {
      slot.failures++;
      void this.#waitAndReconnect(slot);
    }
  }

  /** The actionable message, with the socket error as its cause (pino's err serializer keeps both). */
  #explained(c: ClassifiedError, err: unknown): CollectorError {
    return new CollectorError('CR_ERR_OUTPUT_CONNECT', c.message, { cause: err, retryable: true });
  }

  #updateConnected(): void {
    this.#connected.set(this.#slots.filter((s) => s.state === 'up').length);
  }
}
