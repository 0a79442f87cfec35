// The streaming contract, beside the polling one (Puller): what a pushed source tells the core, and
// what the core does with it (run-websocket-stream.ts). The source decides where to connect and turns
// frames into events and checkpoints; the core connects, keeps the connection alive, delivers through
// ctx.commit (the checkpoint moves only after the events are written to every output), stops reading
// while the outputs push back, and reconnects with backoff.
import type { OutEvent } from '../../inputs/definition.ts';

/** One connection to open. */
export interface StreamRequest {
  url: string;
  headers: Record<string, string>;
  /** True for a bounded replay (a catch-up window) that the server ends with a normal close. */
  finite: boolean;
  /** For logs: what this connection is for (never holds a secret). */
  purpose: string;
}

/** A handshake the server answered with something else than 101 Switching Protocols. */
export interface HandshakeFailure {
  status: number;
  statusText: string;
  /** Response headers, lower-case names. */
  headers: Record<string, string>;
  /** The response body (truncated to a few KiB). */
  body: string;
}

export type HandshakeVerdict =
  /** Retrying cannot help (refused credentials, wrong URL): the service stops with this message. */
  | { fatal: string }
  /** Retry after at least `minDelayMs` (backoff with jitter on top); `reason` labels the reconnect metric. */
  | { retry: string; minDelayMs: number };

export interface StreamSource<S> {
  /** Where to connect now, from what has been delivered so far (e.g. a catch-up window, else live). */
  nextRequest(): StreamRequest;
  opened(request: StreamRequest): void;
  /** The connection ended; `completed` when a finite request was fully replayed (normal close). */
  ended(request: StreamRequest, outcome: { opened: boolean; completed: boolean }): void;
  /** One inbound message → the events to deliver (none for a duplicate). Called in arrival order. */
  decode(frame: Buffer): OutEvent[];
  /** The checkpoint covering every frame decoded so far (a fresh value: it is saved as is). */
  checkpoint(): S;
  handshakeFailed(failure: HandshakeFailure, request: StreamRequest): HandshakeVerdict;
}

export interface StreamSettings {
  /** A ping goes out this often; the server must answer (or send anything) within pongTimeoutMs. */
  pingIntervalMs: number;
  pongTimeoutMs: number;
  handshakeTimeoutMs: number;
  /** The longest wait between reconnection attempts. */
  maxReconnectDelayMs: number;
  /** The largest message accepted (bigger ones close the connection with 1009). */
  maxPayloadBytes: number;
}
