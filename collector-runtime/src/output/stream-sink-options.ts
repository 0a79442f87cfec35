// Tuning shared by every stream output (devo_platform, syslog): queue, connections, reconnects, compression.
// Keys are snake_case like the rest of `outputs.<name>.config`; units are in the names.

export interface StreamSinkOptions {
  /** Connections draining the one queue in parallel (the collector SDK's `sender_concurrent_connections`). */
  concurrent_connections: number;
  /** Back-pressure: write() waits while this many events are accepted but not yet written. */
  queue_max_events: number;
  /** Back-pressure: write() waits while this many bytes are accepted but not yet written. */
  queue_max_bytes: number;
  /** A connection unused for longer is closed cleanly (Devo drops idle connections); the next send opens another. */
  idle_reconnect_seconds: number;
  /** A connection older than this is replaced before the next send. */
  max_connection_age_seconds: number;
  /** TCP connect plus TLS handshake. */
  connect_timeout_seconds: number;
  /** Graceful close: how long to wait for the server's FIN after ending our side. */
  close_timeout_seconds: number;
  /** Reconnect backoff (capped exponential with jitter, retried forever): first wait and cap. */
  reconnect_initial_seconds: number;
  reconnect_max_seconds: number;
  /** Largest single socket write; whole lines are coalesced up to this size. */
  write_chunk_bytes: number;
  /**
   * The resend buffer, in bytes, shared evenly by the connections. Syslog over TLS has no acknowledgement:
   * bytes the kernel accepted can still die with the connection (in socket buffers, or in a receiver that
   * stopped reading and then crashed). Every byte written on a connection is kept until a clean close proves
   * the receiver read it, and all of it is sent again on the next connection when the connection ends any
   * other way, however long ago it was written (at-least-once: the receiver may see it twice). A connection
   * whose share is full is closed cleanly and replaced. Replaces resend_window_bytes/resend_window_seconds.
   */
  resend_buffer_bytes: number;
  /** 'gzip': batches of whole lines are written as complete gzip members (docs/devo-ingestion.md). */
  compression: 'none' | 'gzip';
  /** zlib level 1–9 for gzip members. */
  compression_level: number;
  /** Raw bytes gathered into one gzip member (the collector SDK's default 51,200). */
  compression_buffer_in_bytes: number;
}

export const streamSinkDefaults: StreamSinkOptions = Object.freeze({
  concurrent_connections: 1,
  queue_max_events: 10_000,
  queue_max_bytes: 64 * 1024 * 1024,
  idle_reconnect_seconds: 30,
  max_connection_age_seconds: 3600,
  connect_timeout_seconds: 30,
  close_timeout_seconds: 30,
  reconnect_initial_seconds: 2,
  reconnect_max_seconds: 60,
  write_chunk_bytes: 256 * 1024,
  resend_buffer_bytes: 16 * 1024 * 1024,
  compression: 'none',
  compression_level: 6,
  compression_buffer_in_bytes: 51_200,
});

/** Defaults overlaid with the keys the user set (keys present but undefined keep the default). */
export function withDefaults<T extends object, C extends object>(defaults: T, config: C): T & C {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [k, v] of Object.entries(config)) if (v !== undefined) out[k] = v;
  return out as T & C;
}
