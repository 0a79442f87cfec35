// The contract between the pipeline and an output (Devo TLS, relay syslog, console).
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../logging/logger.ts';
import type { CollectorMetrics } from '../metrics/catalog.ts';

/** What every network output is built with. */
export interface SinkDeps {
  /** The output's key in `outputs` (e.g. `devo_1`): metric label, log field, config paths in errors. */
  name: string;
  collector: string;
  log: Logger;
  metrics: CollectorMetrics;
  clock?: Clock;
  /** Where relative certificate file names resolve. */
  certsDir: string;
}

/** Whole, LF-terminated, already-framed lines; `events` is how many events they hold. */
export interface LineBatch {
  data: Buffer;
  events: number;
}

export interface SinkStatus {
  connected: boolean;
  queuedEvents: number;
  lastError?: string;
}

export interface Sink {
  readonly name: string;
  start(): Promise<void>;
  /**
   * Queues a batch and resolves once all of it has been written to a live connection (the socket write
   * completed). Applies back-pressure: waits while the bounded queue is full. Never drops data: on a
   * connection failure the unwritten part is re-sent on the next connection. Rejects only when the sink
   * is stopped before the batch could be written.
   */
  write(batch: LineBatch): Promise<void>;
  /** Stops accepting, writes what is queued (bounded by timeoutMs), closes gracefully (waits for the FIN). */
  stop(timeoutMs: number): Promise<void>;
  status(): SinkStatus;
}
