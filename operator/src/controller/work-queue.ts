// A keyed, coalescing work queue with bounded workers (client-go's workqueue semantics): a key is queued at
// most once; a key re-added while it is being processed runs again right after; failures come back with
// rate-limited backoff, successes may ask to come back after a delay.
import { OperatorError } from '../errors.ts';
import { RateLimiter, type RateLimiterOptions } from './rate-limiter.ts';

export interface ReconcileResult {
  /** Process the key again after this long (periodic checks, waiting on a rollout). */
  requeueAfterMs?: number;
}

export type ReconcileFn = (key: string) => Promise<ReconcileResult | void>;

export type ReconcileOutcome = 'success' | 'error' | 'requeue_after' | 'terminal_error';

export interface WorkQueueOptions extends RateLimiterOptions {
  /** Concurrent reconciles (controller-runtime MaxConcurrentReconciles); default 2. */
  workers?: number;
  /** Called after each run: metrics and error logs live with the caller. */
  onResult?: (key: string, outcome: ReconcileOutcome, durationMs: number, err?: unknown) => void;
}

export class WorkQueue {
  readonly #reconcile: ReconcileFn;
  readonly #workers: number;
  readonly #limiter: RateLimiter;
  readonly #onResult: WorkQueueOptions['onResult'];
  /** Keys waiting for a worker, in order. `#dirty` mirrors it plus keys re-added while processing. */
  #queue: string[] = [];
  #head = 0;
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #waiting = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #inFlight = new Set<Promise<void>>();
  #running = false;
  #shuttingDown = false;

  constructor(reconcile: ReconcileFn, opts: WorkQueueOptions = {}) {
    this.#reconcile = reconcile;
    this.#workers = Math.max(1, opts.workers ?? 2);
    this.#limiter = new RateLimiter(opts);
    this.#onResult = opts.onResult;
  }

  /** Keys ready and waiting for a worker (the workqueue_depth metric). */
  get depth(): number {
    return this.#queue.length - this.#head;
  }

  get processing(): number {
    return this.#processing.size;
  }

  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    this.#queue.push(key);
    this.#pump();
  }

  /** Adds the key after `delayMs`; an earlier pending add for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const pending = this.#waiting.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.#waiting.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.#waiting.set(key, { at, timer });
  }

  addRateLimited(key: string): void {
    this.addAfter(key, this.#limiter.when(key));
  }

  forget(key: string): void {
    this.#limiter.forget(key);
  }

  failures(key: string): number {
    return this.#limiter.failures(key);
  }

  start(): void {
    this.#running = true;
    this.#pump();
  }

  /** Stops taking work and waits for in-flight reconciles; false if they outlived `timeoutMs`. */
  async shutdown(timeoutMs: number): Promise<boolean> {
    this.#shuttingDown = true;
    this.#running = false;
    for (const { timer } of this.#waiting.values()) clearTimeout(timer);
    this.#waiting.clear();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const drained = Promise.all([...this.#inFlight]).then(() => true as const);
    try {
      return await Promise.race([drained, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  #pump(): void {
    while (this.#running && this.#processing.size < this.#workers && this.depth > 0) {
      const key = this.#queue[this.#head++]!;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      this.#dirty.delete(key);
      this.#processing.add(key);
      const run = this.#run(key);
      this.#inFlight.add(run);
      void run.finally(() => this.#inFlight.delete(run));
    }
  }

  async #run(key: string): Promise<void> {
    const started = performance.now();
    let outcome: ReconcileOutcome;
    let error: unknown;
    try {
      const result = await this.#reconcile(key);
      this.#limiter.forget(key);
      if (result?.requeueAfterMs !== undefined) {
        outcome = 'requeue_after';
        this.addAfter(key, result.requeueAfterMs);
      } else {
        outcome = 'success';
      }
    } catch (err) {
      error = err;
      if (err instanceof OperatorError && err.permanent) {
        outcome = 'terminal_error';
        this.#limiter.forget(key);
      } else {
        outcome = 'error';
        this.addRateLimited(key);
      }
    }
    this.#processing.delete(key);
    // Re-added while we worked: it goes to the back of the line now.
    if (this.#dirty.has(key) && !this.#shuttingDown) this.#queue.push(key);
    try {
      this.#onResult?.(key, outcome, performance.now() - started, error);
    } finally {
      this.#pump();
    }
  }
}
