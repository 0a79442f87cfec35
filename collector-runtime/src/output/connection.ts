// One live output connection: writes chunks, confirms them when the socket write callback fires, remembers
// recently confirmed chunks, and on any end other than a clean close hands back what may not have arrived.
import type { Socket } from 'node:net';
import type { Clock } from '../core/clock.ts';
import type { Chunk } from './send-queue.ts';

export interface ConnectionSettings {
  clock: Clock;
  maxInflightBytes: number;
  resendWindowBytes: number;
  resendWindowMs: number;
}

export interface ConnectionEvents {
  /** A chunk's write callback fired without error on this live connection. */
  confirmed(conn: Connection, chunk: Chunk): void;
  /**
   * The connection ended without a clean close. `resend` holds the unconfirmed chunks and the recently
   * confirmed ones (resend window), oldest first. Called at most once; never after a clean close.
   */
  lost(conn: Connection, err: Error | undefined, resend: Chunk[]): void;
}

interface Recent {
  chunk: Chunk;
  at: number;
}

/** The server closed its side while we were still using the connection. */
export class ServerClosedError extends Error {
  readonly code = 'CR_SERVER_CLOSED';
  constructor() {
    super('the server closed the connection');
    this.name = 'ServerClosedError';
  }
}

export class Connection {
  readonly socket: Socket;
  readonly connectedAt: number;
  lastWriteAt: number;
  readonly #s: ConnectionSettings;
  readonly #events: ConnectionEvents;
  readonly #inflight: Chunk[] = [];
  #inflightBytes = 0;
  readonly #recent: Recent[] = [];
  #recentBytes = 0;
  #state: 'open' | 'closing' | 'done' = 'open';
  #finReceived = false;
  #onClosed: (() => void) | undefined;

  constructor(socket: Socket, settings: ConnectionSettings, events: ConnectionEvents) {
    this.socket = socket;
    this.#s = settings;
    this.#events = events;
    this.connectedAt = settings.clock.now();
    this.lastWriteAt = this.connectedAt;
    socket.on('error', (err) => this.#fail(err));
    socket.on('end', () => {
      this.#finReceived = true;
      if (this.#state === 'open') this.#fail(new ServerClosedError());
      else this.#onClosed?.();
    });
    socket.on('close', () => {
      if (this.#state === 'open') this.#fail(new ServerClosedError());
      else this.#onClosed?.();
    });
    // Devo sends nothing; reading keeps 'end' (the server's FIN) observable.
    socket.resume();
  }

  get isOpen(): boolean {
    return this.#state === 'open';
  }

  get inflightBytes(): number {
    return this.#inflightBytes;
  }

  canWrite(): boolean {
    return this.#state === 'open' && this.#inflightBytes < this.#s.maxInflightBytes;
  }

  write(chunk: Chunk): void {
    this.#inflight.push(chunk);
    this.#inflightBytes += chunk.payload.length;
    this.lastWriteAt = this.#s.clock.now();
    this.socket.write(chunk.payload, (err) => {
      // Errors also arrive as 'error' events, which hand the chunk back; late callbacks are ignored.
      if (err || this.#state === 'done') return;
      const i = this.#inflight[0] === chunk ? 0 : this.#inflight.indexOf(chunk);
      if (i === -1) return;
      this.#inflight.splice(i, 1);
      this.#inflightBytes -= chunk.payload.length;
      this.#remember(chunk);
      this.#events.confirmed(this, chunk);
    });
  }

  /**
   * Ends our side after the pending writes, waits for the server's FIN (bounded), then destroys the socket.
   * Clean (true) when the FIN came and every write was confirmed; otherwise `lost` fires with what to resend.
   */
  close(timeoutMs: number): Promise<boolean> {
    if (this.#state !== 'open') return Promise.resolve(false);
    this.#state = 'closing';
    return new Promise<boolean>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.#onClosed = undefined;
        if (this.#state === 'done') return resolve(false); // failed while closing: `lost` already fired
        const clean = this.#finReceived && this.#inflight.length === 0;
        if (!clean) return resolve(this.#fail(new Error('the server did not confirm the close')));
        this.#state = 'done';
        this.socket.destroy();
        resolve(true);
      };
      // A timer, not the injected clock: this bounds real socket I/O.
      const timer = setTimeout(finish, timeoutMs);
      this.#onClosed = finish;
      this.socket.end();
    });
  }

  /** Drops the connection now (no FIN wait); what may not have arrived is handed back through `lost`. */
  destroy(err?: Error): void {
    this.#fail(err ?? new Error('connection dropped'));
  }

  #remember(chunk: Chunk): void {
    if (this.#s.resendWindowBytes <= 0) return;
    this.#recent.push({ chunk, at: this.#s.clock.now() });
    this.#recentBytes += chunk.payload.length;
    while (this.#recentBytes > this.#s.resendWindowBytes)
      this.#recentBytes -= this.#recent.shift()!.chunk.payload.length;
  }

  #fail(err: Error | undefined): false {
    const wasClosing = this.#state === 'closing';
    if (this.#state === 'done') return false;
    this.#state = 'done';
    this.socket.destroy();
    const since = this.#s.clock.now() - this.#s.resendWindowMs;
    const resend = [...this.#recent.filter((r) => r.at >= since).map((r) => r.chunk), ...this.#inflight];
    this.#recent.length = 0;
    this.#recentBytes = 0;
    this.#inflight.length = 0;
    this.#inflightBytes = 0;
    this.#events.lost(this, err, resend);
    if (wasClosing) this.#onClosed?.();
    return false;
  }
}
