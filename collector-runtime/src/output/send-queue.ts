// The bounded queue between write() callers and the connections. It owns every accepted batch until all of its
// bytes were confirmed by a socket write callback, hands connections large chunks cut at line boundaries, and
// takes chunks back (in front) when a connection died before confirming them.
import type { LineBatch } from './sink.ts';

interface QueuedBatch {
  data: Buffer;
  events: number;
  /** Bytes already cut into chunks. */
  offset: number;
  /** Bytes not yet confirmed by a write callback; the batch resolves at 0. */
  unconfirmed: number;
  resolve(): void;
  reject(err: Error): void;
}

interface ChunkPart {
  batch: QueuedBatch;
  bytes: number;
}

/** One socket write: raw lines or one gzip member. `parts` is null once confirmed (then it is only resent). */
export interface Chunk {
  payload: Buffer;
  parts: ChunkPart[] | null;
  /** Lines (events) in the chunk: what a resend of it may duplicate. */
  lines: number;
}

export interface SendQueueOptions {
  maxEvents: number;
  maxBytes: number;
  /** Raw bytes per chunk; chunks end on an LF unless one line is longer. */
  chunkBytes: number;
  /** Called when new work can be taken. */
  onWork(): void;
  /** Called when the number of queued events changed. */
  onSize?(events: number): void;
}

const LF = 0x0a;

function countLines(data: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = data.indexOf(LF, start); i !== -1 && i < end; i = data.indexOf(LF, i + 1)) n++;
  return n;
}

export class SendQueue {
  readonly #opts: SendQueueOptions;
  /** Accepted batches with bytes not yet cut into chunks, oldest first. */
  readonly #batches: QueuedBatch[] = [];
  /** Chunks to (re)send before any new chunk, in order. */
  readonly #resend: Chunk[] = [];
  /** Callers waiting for room, in arrival order. */
  readonly #waiting: QueuedBatch[] = [];
  /** Every accepted batch not yet resolved, wherever its bytes are (queued, in flight, to resend). */
  readonly #open = new Set<QueuedBatch>();
  #events = 0;
  #bytes = 0;
  #emptyWaiters: (() => void)[] = [];

  constructor(opts: SendQueueOptions) {
    this.#opts = opts;
  }

  /** Events accepted and not yet confirmed. */
  get events(): number {
    return this.#events;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Resolves when every byte of the batch was confirmed; waits for room first. */
  push(batch: LineBatch): Promise<void> {
    const { data } = batch;
    if (data.length === 0) return Promise.resolve();
    if (data[data.length - 1] !== LF) return Promise.reject(new TypeError('a LineBatch must end with LF'));
    return new Promise((resolve, reject) => {
      const q: QueuedBatch = {
        data,
        events: batch.events,
        offset: 0,
        unconfirmed: data.length,
        resolve,
        reject,
      };
      if (this.#waiting.length === 0 && this.#fits(q)) this.#admit(q);
      else this.#waiting.push(q);
    });
  }

  hasWork(): boolean {
    return this.#resend.length > 0 || this.#batches.length > 0;
  }

  /** True when nothing is accepted-but-unconfirmed and nobody waits for room. */
  isEmpty(): boolean {
    return this.#open.size === 0 && this.#waiting.length === 0;
  }

  /** Resolves the next time the queue is empty (at once if it is). */
  whenEmpty(): Promise<void> {
    if (this.isEmpty()) return Promise.resolve();
    return new Promise((resolve) => this.#emptyWaiters.push(resolve));
  }

  /** The next chunk to write, or undefined when there is none. */
  take(): Chunk | undefined {
    const again = this.#resend.shift();
    if (again) return again;
    if (this.#batches.length === 0) return undefined;
    const limit = this.#opts.chunkBytes;
    const parts: ChunkPart[] = [];
    const pieces: Buffer[] = [];
    let size = 0;
    let lines = 0;
    while (this.#batches.length > 0 && size < limit) {
      const b = this.#batches[0]!;
      const len = b.data.length;
      let end = len;
      if (size + len - b.offset > limit) {
        const lf = b.data.lastIndexOf(LF, b.offset + (limit - size) - 1);
        if (lf >= b.offset) end = lf + 1;
        else if (size > 0)
          break; // the next line does not fit: leave it for the next chunk
        else {
          // One line longer than a chunk: send it whole.
          const next = b.data.indexOf(LF, b.offset + (limit - size));
          end = next === -1 ? len : next + 1;
        }
      }
      pieces.push(b.offset === 0 && end === len ? b.data : b.data.subarray(b.offset, end));
      parts.push({ batch: b, bytes: end - b.offset });
      lines += countLines(b.data, b.offset, end);
      size += end - b.offset;
      b.offset = end;
      if (end === len) this.#batches.shift();
    }
    const raw = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, size);
    return { payload: raw, parts, lines };
  }

  /** The chunk's payload was written to a live socket: settle the batches it completes. */
  confirm(chunk: Chunk): void {
    const parts = chunk.parts;
    if (!parts) return;
    chunk.parts = null;
    let settled = false;
    for (const { batch, bytes } of parts) {
      batch.unconfirmed -= bytes;
      if (batch.unconfirmed === 0 && this.#open.delete(batch)) {
        this.#events -= batch.events;
        this.#bytes -= batch.data.length;
        settled = true;
        batch.resolve();
      }
    }
    if (settled) this.#afterSettle();
  }

  /** Chunks a dead connection did not confirm (or must resend): written again before anything new. */
  requeue(chunks: readonly Chunk[]): void {
    if (chunks.length === 0) return;
    this.#resend.unshift(...chunks);
    this.#opts.onWork();
  }

  /** Rejects every open and waiting batch (the sink stopped); returns how many events that was. */
  rejectAll(err: Error): number {
    let events = 0;
    for (const b of [...this.#open, ...this.#waiting]) {
      events += b.events;
      b.reject(err);
    }
    this.#open.clear();
    this.#waiting.length = 0;
    this.#batches.length = 0;
    this.#resend.length = 0;
    this.#events = 0;
    this.#bytes = 0;
    this.#afterSettle();
    return events;
  }

  /** Rejects only the callers still waiting for room (stop: no longer accepting). */
  rejectWaiting(err: Error): void {
    for (const b of this.#waiting.splice(0)) b.reject(err);
    if (this.isEmpty()) this.#notifyEmpty();
  }

  #fits(q: QueuedBatch): boolean {
    // An empty queue takes any batch, so one larger than the limits cannot block forever.
    if (this.#open.size === 0) return true;
    return (
      this.#events + q.events <= this.#opts.maxEvents && this.#bytes + q.data.length <= this.#opts.maxBytes
    );
  }

  #admit(q: QueuedBatch): void {
    this.#open.add(q);
    this.#events += q.events;
    this.#bytes += q.data.length;
    this.#batches.push(q);
    this.#opts.onSize?.(this.#events);
    this.#opts.onWork();
  }

  #afterSettle(): void {
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0]!)) this.#admit(this.#waiting.shift()!);
    this.#opts.onSize?.(this.#events);
    if (this.isEmpty()) this.#notifyEmpty();
  }

  #notifyEmpty(): void {
    for (const resolve of this.#emptyWaiters.splice(0)) resolve();
  }
}
