// gzip off the event loop. A SendQueue whose chunks are compressed on libuv's thread pool (zlib.gzip) before a
// connection gets them: compressing 50 KB at level 6 takes about a millisecond, and a connection drains
// hundreds of chunks in one go, so gzipSync on the main thread stalled pulls, token refreshes and /healthz for
// as long (test/bench/RESULTS.md, "Output path"). A few chunks are compressed ahead, in order; a chunk is handed
// out only once compressed, and chunks handed back for a resend are already compressed.
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { SendQueue, type Chunk, type SendQueueOptions } from './send-queue.ts';

const gzipAsync = promisify(gzip);

/** Compressions in flight at once: libuv's pool has 4 threads by default, shared with DNS and file I/O. */
const COMPRESS_AHEAD = 2;

interface Pending {
  chunk: Chunk;
  done: boolean;
}

export class GzipSendQueue extends SendQueue {
  readonly #level: number;
  readonly #notify: () => void;
  /** Raw chunks taken from the queue, in order, being (or done being) compressed. */
  #pending: Pending[] = [];
  /** Chunks handed back by requeue(): already compressed, they go out first as they are. */
  #resends = 0;

  constructor(opts: SendQueueOptions, level: number) {
    // New work starts compressions at once, even while no connection is up: connecting takes that long anyway.
    super({ ...opts, onWork: () => this.#onWork() });
    this.#level = level;
    this.#notify = opts.onWork;
  }

  override hasWork(): boolean {
    return this.#resends > 0 || this.#pending.length > 0 || super.hasWork();
  }

  override take(): Chunk | undefined {
    if (this.#resends > 0) {
      this.#resends--;
      return super.take();
    }
    const head = this.#pending[0];
    if (!head?.done) return undefined;
    this.#pending.shift();
    this.#fill();
    return head.chunk;
  }

  override requeue(chunks: readonly Chunk[]): void {
    this.#resends += chunks.length;
    super.requeue(chunks);
  }

  override rejectAll(err: Error): number {
    this.#resends = 0;
    this.#pending = [];
    return super.rejectAll(err);
  }

  #onWork(): void {
    this.#fill();
    this.#notify();
  }

  /** Starts compressions until COMPRESS_AHEAD are pending (never while compressed resends are queued first). */
  #fill(): void {
    while (this.#pending.length < COMPRESS_AHEAD && this.#resends === 0 && super.hasWork()) {
      const chunk = super.take()!;
      const entry: Pending = { chunk, done: false };
      const generation = this.#pending;
      generation.push(entry);
      gzipAsync(chunk.payload, { level: this.#level }).then(
        (payload) => {
          if (this.#pending !== generation) return; // rejectAll() dropped it meanwhile
          chunk.payload = payload;
          entry.done = true;
          if (this.#pending[0] === entry) this.#notify();
        },
        (err: unknown) => {
          // zlib fails only without memory: the writers get the error, nothing is half-sent.
          if (this.#pending === generation) this.rejectAll(err as Error);
        },
      );
    }
  }
}
