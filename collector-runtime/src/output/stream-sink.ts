// A Sink over byte-stream connections (TLS to Devo, TCP/TLS to a relay): one bounded queue drained by N
// connections, each reconnecting with capped jittered backoff forever while the sink runs. What opens a
// connection is plugged in (`connect`), so the Devo and syslog outputs share all of this.
//
// Delivery: write() resolves once every byte of the batch went through a socket write callback on a live
// connection. A connection that dies hands back its unconfirmed chunks plus its resend window (see
// StreamSinkOptions.resend_window_bytes), which are written first on the next connection: at-least-once.
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { backoffDelay, type BackoffPolicy } from '../core/backoff.ts';
import type { Clock } from '../core/clock.ts';
import { CollectorError } from '../core/errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { CollectorMetrics } from '../metrics/catalog.ts';
import { Connection, type ConnectionSettings } from './connection.ts';
import type { ClassifiedError } from './connection-error.ts';
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

type ConnectReason = 'initial' | 'idle' | 'max_age' | 'failure';

interface Slot {
  index: number;
  state: 'down' | 'connecting' | 'backoff' | 'up';
  conn: Connection | undefined;
  /** Consecutive failed connects or short-lived connections; drives the backoff. */
  failures: number;
  /** Why the next connect happens (metric label). */
  reason: ConnectReason;
  /** Connect even with nothing to send: until the first success, so problems show up at start. */
  eager: boolean;
  abort: AbortController;
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
  readonly #closing = new Set<Promise<unknown>>();
  readonly #labels: { collector: string; output: string };
  readonly #bytes;
  readonly #connected;
  #started = false;
  #accepting = true;
  #stopped = false;
  #stopping: Promise<void> | undefined;
  #kickPending = false;
  #lastError: string | undefined;

  constructor(options: StreamSinkOptions, deps: StreamSinkDeps) {
    this.name = deps.name;
    this.#o = options;
    this.#d = deps;
    this.#labels = { collector: deps.collector, output: deps.name };
    this.#bytes = deps.metrics.senderBytes.labels(this.#labels);
    this.#connected = deps.metrics.senderConnected.labels(this.#labels);
    const queueGauge = deps.metrics.senderQueueEvents.labels(this.#labels);
    deps.metrics.senderQueueCapacity.set(this.#labels, options.queue_max_events);
    const gzip = options.compression === 'gzip';
    const level = options.compression_level;
    this.#queue = new SendQueue({
      maxEvents: options.queue_max_events,
      maxBytes: options.queue_max_bytes,
      chunkBytes: gzip ? options.compression_buffer_in_bytes : options.write_chunk_bytes,
      ...(gzip ? { encode: (raw: Buffer) => gzipSync(raw, { level }) } : {}),
      onWork: () => this.#scheduleKick(),
      onSize: (events) => queueGauge.set(events),
    });
    this.#settings = {
      clock: deps.clock,
      maxInflightBytes: 4 * options.write_chunk_bytes,
      resendWindowBytes: options.resend_window_bytes,
      resendWindowMs: options.resend_window_seconds * 1000,
    };
    this.#backoff = {
      initialMs: options.reconnect_initial_seconds * 1000,
      maxMs: options.reconnect_max_seconds * 1000,
    };
    this.#slots = Array.from({ length: Math.max(1, options.concurrent_connections) }, (_, index) => ({
      index,
      state: 'down' as const,
      conn: undefined,
      failures: 0,
      reason: 'initial' as const,
      eager: false,
      abort: new AbortController(),
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
    this.#accepting = false;
    this.#queue.rejectWaiting(
      new CollectorError('CR_ERR_SHUTDOWN', `output ${this.name} is stopping: batch not accepted`),
    );
    if (this.#started && !this.#queue.isEmpty()) {
      const timeout = new AbortController();
      await Promise.race([
        this.#queue.whenEmpty(),
        clock.sleep(timeoutMs, timeout.signal).catch(() => undefined),
      ]);
      timeout.abort();
    }
    this.#stopped = true;
    for (const slot of this.#slots) slot.abort.abort(new CollectorError('CR_ERR_SHUTDOWN', 'output stopped'));
    const closes = this.#slots.map((slot) => {
      const conn = slot.conn;
      slot.conn = undefined;
      slot.state = 'down';
      return conn?.close(this.#o.close_timeout_seconds * 1000);
    });
    await Promise.all([...closes, ...this.#closing]);
    this.#connected.set(0);
    const unsent = this.#queue.rejectAll(
      new CollectorError('CR_ERR_SHUTDOWN', `output ${this.name} stopped before the batch was written`),
    );
    if (unsent > 0)
      log.warn(
        { output: this.name, events: unsent },
        `Stopped sending to ${this.#d.peer} with events unsent`,
      );
    else log.info({ output: this.name }, `Stopped sending to ${this.#d.peer}`);
  }

  #scheduleKick(): void {
    if (this.#kickPending) return;
    this.#kickPending = true;
    // A microtask: every write() made in the same tick lands in one chunk.
    queueMicrotask(() => {
      this.#kickPending = false;
      for (const slot of this.#slots) this.#kick(slot);
    });
  }

  #kick(slot: Slot): void {
    if (!this.#started || this.#stopped) return;
    if (slot.state === 'down') {
      if (slot.eager || this.#queue.hasWork()) void this.#connect(slot);
      return;
    }
    if (slot.state !== 'up' || !this.#queue.hasWork()) return;
    const conn = slot.conn!;
    if (!conn.canWrite()) return;
    const now = this.#d.clock.now();
    // Checked before a send, like the Python SDK: Devo drops idle connections, and long ones are recycled.
    if (now - conn.lastWriteAt > this.#o.idle_reconnect_seconds * 1000) return this.#recycle(slot, 'idle');
    if (now - conn.connectedAt > this.#o.max_connection_age_seconds * 1000)
      return this.#recycle(slot, 'max_age');
    let chunk: Chunk | undefined;
    while (conn.canWrite() && (chunk = this.#queue.take()) !== undefined) conn.write(chunk);
  }

  #recycle(slot: Slot, reason: ConnectReason): void {
    const old = slot.conn!;
    slot.conn = undefined;
    slot.state = 'down';
    this.#updateConnected();
    this.#d.log.debug(
      { output: this.name, connection: slot.index, reason },
      `Replacing connection to ${this.#d.peer}`,
    );
    const closing = old
      .close(this.#o.close_timeout_seconds * 1000)
      .finally(() => this.#closing.delete(closing));
    this.#closing.add(closing);
    slot.reason = reason;
    void this.#connect(slot);
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
        { output: this.name, connection: slot.index, kind: c.kind, err: c.message, attempt: slot.failures },
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
    log.info(
      { output: this.name, endpoint: this.#d.endpoint, connection: slot.index, reason },
      `Connected to ${peer}`,
    );
    this.#kick(slot);
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
    if (slot.conn === conn) this.#kick(slot);
  }

  #onLost(slot: Slot, conn: Connection, err: Error | undefined, resend: Chunk[]): void {
    const { log, metrics, peer, clock } = this.#d;
    const resendBytes = resend.reduce((n, c) => n + c.payload.length, 0);
    const c = this.#d.classify(err);
    metrics.senderErrors.inc({ ...this.#labels, kind: c.kind });
    if (this.#stopped) {
      // Nothing can be resent any more: say how much the server may not have received.
      log.warn(
        { output: this.name, kind: c.kind, err: c.message, bytes: resendBytes },
        `Closed connection to ${peer} unconfirmed`,
      );
      return;
    }
    this.#lastError = c.message;
    this.#queue.requeue(resend);
    log.warn(
      { output: this.name, connection: slot.index, kind: c.kind, err: c.message, resendBytes },
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

  #updateConnected(): void {
    this.#connected.set(this.#slots.filter((s) => s.state === 'up').length);
  }
}
