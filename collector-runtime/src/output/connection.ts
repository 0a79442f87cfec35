// One live output connection: writes chunks, confirms them when the socket write callback fires, and keeps
// every byte it wrote until the receiver has provably read it. On any end other than a clean close it hands
// all of those bytes back to be resent (docs/design-notes.md "Output resend").
//
// Why keep everything: Devo's syslog-over-TLS has no acknowledgement. A write callback only says the kernel
// took the bytes; they may then sit in our send buffer, in flight, in the receiver's receive buffer (a receiver
// that stopped reading holds megabytes there) or in the receiver's own memory, and die with the receiver. Node
// cannot ask the kernel how much of `socket.bytesWritten` left our send buffer, and nothing at all tells how
// much the receiver's process consumed. The one proof is the receiver's FIN answering ours after it read to
// the end: so a clean close releases the bytes, and nothing else does (not the time since they were written).
import type { Socket } from 'node:net';
import type { Clock } from '../core/clock.ts';
import type { Chunk } from './send-queue.ts';

export interface ConnectionSettings {
  clock: Clock;
  /** Written but not yet passed to the kernel (write callback pending): the socket's own buffer. */
  maxInflightBytes: number;
  /** Written and not yet proven read (in flight plus confirmed): beyond this the connection takes no more. */
  maxUnreadBytes: number;
}

export interface ConnectionEvents {
  /** A chunk's write callback fired without error on this live connection. */
  confirmed(conn: Connection, chunk: Chunk): void;
  /**
   * The connection ended without a clean close. `resend` holds every chunk written on it, oldest first: the
   * receiver may not have read any of them. Called at most once; never after a clean close.
   */
  lost(conn: Connection, err: Error | undefined, resend: Chunk[]): void;
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
  /** Every chunk written on this connection, oldest first, until a clean close proves them read. */
  readonly #written: Chunk[] = [];
  #writtenBytes = 0;
  #inflightBytes = 0;
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
    });
    // Closing: decided on 'close', after a reset that follows the FIN (data arriving at a closed socket) had
    // its chance to show up as 'error'.
    socket.on('close', () => {
      if (this.#state === 'open') this.#fail(new ServerClosedError());
      else this.#onClosed?.();
    });
    // Devo sends nothing; reading keeps 'end' (the server's FIN) and resets observable.
    socket.resume();
  }

  get isOpen(): boolean {
    return this.#state === 'open';
  }

  get inflightBytes(): number {
    return this.#inflightBytes;
  }

  /** Bytes written on this connection and not proven read: what a failure now would resend. */
  get unreadBytes(): number {
    return this.#writtenBytes;
  }

  /** No more writes until a clean close proves the receiver read what it has: the resend buffer is full. */
  get full(): boolean {
    return this.#writtenBytes >= this.#s.maxUnreadBytes;
  }

  canWrite(): boolean {
    return this.#state === 'open' && this.#inflightBytes < this.#s.maxInflightBytes && !this.full;
  }

  write(chunk: Chunk): void {
    this.#written.push(chunk);
    this.#writtenBytes += chunk.payload.length;
    this.#inflightBytes += chunk.payload.length;
    this.lastWriteAt = this.#s.clock.now();
    this.socket.write(chunk.payload, (err) => {
      // Errors also arrive as 'error' events, which hand the chunk back; late callbacks are ignored.
      if (err || this.#state === 'done') return;
      this.#inflightBytes -= chunk.payload.length;
      this.#events.confirmed(this, chunk);
    });
  }

  /**
   * Ends our side after the pending writes, waits for the server's FIN (bounded), then destroys the socket.
   * Clean (true) when the FIN came and every write was confirmed: the receiver read everything, and the
   * written bytes are released. Otherwise `lost` fires with all of them.
   */
  close(timeoutMs: number): Promise<boolean> {
    if (this.#state !== 'open') return Promise.resolve(false);
    this.#state = 'closing';
    return new Promise<boolean>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.#onClosed = undefined;
        if (this.#state === 'done') return resolve(false); // failed while closing: `lost` already fired
        const clean = this.#finReceived && this.#inflightBytes === 0;
        if (!clean) return resolve(this.#fail(new Error('the server did not confirm the close')));
        this.#state = 'done';
        this.#release();
        this.socket.destroy();
        resolve(true);
      };
      // A timer, not the injected clock: this bounds real socket I/O.
      const timer = setTimeout(finish, timeoutMs);
      this.#onClosed = finish;
      this.socket.end();
    });
  }

  /** Drops the connection now (no FIN wait); everything written is handed back through `lost`. */
  destroy(err?: Error): void {
    this.#fail(err ?? new Error('connection dropped'));
  }

  #release(): Chunk[] {
    const all = this.#written.splice(0);
    this.#writtenBytes = 0;
    this.#inflightBytes = 0;
    return all;
  }

  #fail(err: Error | undefined): false {
    const wasClosing = this.#state === 'closing';
    if (this.#state === 'done') return false;
    this.#state = 'done';
    this.socket.destroy();
    this.#events.lost(this, err, this.#release());
    if (wasClosing) this.#onClosed?.();
    return false;
  }
}
