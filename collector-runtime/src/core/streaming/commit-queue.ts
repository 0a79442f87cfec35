// Frames in, commits out: decoded events wait here in batches and go to ctx.commit one batch at a time,
// so the checkpoint saved with a batch covers exactly the frames decoded before it was cut. Under load
// batches grow by themselves (the next one fills while the current one is written); a quiet stream
// still delivers within maxDelayMs. When too much waits behind the commit in flight the queue says so
// (`full`) and the reader stops reading the socket: memory stays bounded by two batches while the
// outputs push back, and the vendor's server, not this process, holds the rest. A failed commit is
// retried before anything newer (a later checkpoint would cover the failed events); once the stream
// is stopping it is given up, and the saved checkpoint stays before those events.
import type { OutEvent } from '../../inputs/definition.ts';
import type { Clock } from '../clock.ts';

export interface CommitLimits {
  /** A batch is cut at this many events or bytes, or once its first frame is maxDelayMs old. */
  batchEvents: number;
  batchBytes: number;
  maxDelayMs: number;
  /** `full` (stop reading) while this many events or bytes wait behind the commit in flight. */
  pauseEvents: number;
  pauseBytes: number;
}

export const DEFAULT_COMMIT_LIMITS: CommitLimits = {
  batchEvents: 2_000,
  batchBytes: 4 * 1024 * 1024,
  maxDelayMs: 250,
  pauseEvents: 10_000,
  pauseBytes: 16 * 1024 * 1024,
};

export interface CommitQueueDeps<S> {
  commit(events: readonly OutEvent[], state: S): Promise<void>;
  checkpoint(): S;
  clock: Clock;
  limits: CommitLimits;
  /** Called when a batch was cut, so there is room again (the reader may resume). */
  onRoom(): void;
  /** A commit failed (the outputs are stopping, or the state store refused the checkpoint). */
  onError(err: unknown): void;
  /** Aborted when the stream stops: a failed commit is then given up instead of retried. */
  signal: AbortSignal;
  /** A commit completed, in `seconds`. */
  onDelivered(events: number, seconds: number): void;
}

/** Real time between attempts of a failed commit (the output or the state store recovering). */
const RETRY_MS = 1_000;

export class CommitQueue<S> {
  readonly #d: CommitQueueDeps<S>;
  #retry: { events: OutEvent[]; state: S } | undefined;
  #events: OutEvent[] = [];
  #bytes = 0;
  /** Frames were decoded since the last cut: even without events (duplicates) the checkpoint may move. */
  #dirty = false;
  #firstAt = 0;
  #flushing = 0;
  #draining: Promise<void> | undefined;
  #wake: AbortController | undefined;

  constructor(deps: CommitQueueDeps<S>) {
    this.#d = deps;
  }

  /** Adds the events of one frame of `bytes` bytes (an empty list for a frame that yielded none). */
  add(events: readonly OutEvent[], bytes: number): void {
    if (!this.#dirty) this.#firstAt = this.#d.clock.now();
    this.#dirty = true;
    for (const e of events) this.#events.push(e);
    this.#bytes += bytes;
    if (this.#draining === undefined) this.#draining = this.#drain();
    else if (this.#wait() === 0) this.#wake?.abort();
  }

  /** True while the reader should not read: too much waits behind the commit in flight. */
  get full(): boolean {
    const l = this.#d.limits;
    return this.#events.length >= l.pauseEvents || this.#bytes >= l.pauseBytes;
  }

  get pendingEvents(): number {
    return this.#events.length;
  }

  /** Commits everything added so far, now, and resolves once it is delivered (or failed). */
  async flush(): Promise<void> {
    this.#flushing++;
    try {
      this.#wake?.abort();
      if (this.#dirty && this.#draining === undefined) this.#draining = this.#drain();
      while (this.#draining) await this.#draining;
    } finally {
      this.#flushing--;
    }
  }

  /** How long the current batch may still wait to grow. */
  #wait(): number {
    const l = this.#d.limits;
    if (this.#flushing > 0 || this.#events.length >= l.batchEvents || this.#bytes >= l.batchBytes) return 0;
    return Math.max(0, this.#firstAt + l.maxDelayMs - this.#d.clock.now());
  }

  async #drain(): Promise<void> {
    try {
      while (this.#dirty || this.#retry) {
        let batch = this.#retry;
        this.#retry = undefined;
        if (!batch) {
          const wait = this.#wait();
          if (wait > 0) {
            this.#wake = new AbortController();
            await this.#d.clock.sleep(wait, this.#wake.signal).catch(() => undefined);
            this.#wake = undefined;
            continue;
          }
          batch = { events: this.#events, state: this.#d.checkpoint() };
          this.#events = [];
          this.#bytes = 0;
          this.#dirty = false;
          this.#d.onRoom();
        }
        const t0 = performance.now();
        try {
          await this.#d.commit(batch.events, batch.state);
          this.#d.onDelivered(batch.events.length, (performance.now() - t0) / 1000);
        } catch (err) {
          this.#d.onError(err);
          if (this.#d.signal.aborted) {
            // Stopping: give up. Nothing newer may be committed either: its checkpoint covers these events.
            this.#events = [];
            this.#bytes = 0;
            this.#dirty = false;
            return;
          }
          this.#retry = batch;
          await sleep(RETRY_MS, this.#d.signal);
        }
      }
    } finally {
      this.#draining = undefined;
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
