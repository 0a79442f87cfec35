// The contract between the pipeline and an output (Devo TLS, relay syslog, console).

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
