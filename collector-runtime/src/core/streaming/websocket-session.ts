// One WebSocket connection, from the handshake to the close: reads the response of a refused handshake
// ('unexpected-response') so the source can tell fatal from retryable, keeps the connection alive with
// pings and a pong deadline that any inbound frame resets, stops reading while the consumer is full,
// and closes gracefully on stop, reading every frame the server sent before its close frame.
import WebSocket from 'ws';
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../clock.ts';
import { errorMessage } from '../errors.ts';
import type { HandshakeFailure, StreamRequest, StreamSettings } from './stream-source.ts';

export type SessionEnd =
  | { kind: 'handshake'; failure: HandshakeFailure }
  /** The connection could not be opened (refused, DNS, TLS, handshake timeout). */
  | { kind: 'unreachable'; error: string }
  | {
      kind: 'closed';
      code: number;
      reason: string;
      /** Why it ended from our side: the pong deadline passed, or we were stopped. */
      cause: 'server' | 'pong_timeout' | 'stopped' | 'error';
      error?: string;
      openedAt: number;
      frames: number;
    };

export interface SessionHandlers {
  opened(): void;
  frame(data: Buffer): void;
}

const MAX_ERROR_BODY = 4096;
const CLOSE_GRACE_MS = 10_000;

export class WebSocketSession {
  readonly #req: StreamRequest;
  readonly #s: StreamSettings;
  readonly #clock: Clock;
  #ws: WebSocket | undefined;
  #wantPause = false;
  #lastInbound = 0;

  constructor(request: StreamRequest, settings: StreamSettings, clock: Clock) {
    this.#req = request;
    this.#s = settings;
    this.#clock = clock;
  }

  /** Stops reading the socket (TCP then pushes back to the server). */
  pause(): void {
    this.#wantPause = true;
    this.#ws?.pause();
  }

  resume(): void {
    if (!this.#wantPause) return;
    this.#wantPause = false;
    // Pongs could not be read while paused: the deadline starts again now.
    this.#lastInbound = performance.now();
    this.#ws?.resume();
  }

  get paused(): boolean {
    return this.#wantPause;
  }

  /** Connects, feeds frames to `handlers` until the connection ends, and says how it ended. */
  run(signal: AbortSignal, handlers: SessionHandlers): Promise<SessionEnd> {
    return new Promise<SessionEnd>((resolve) => {
      const clock = this.#clock;
      const ws = new WebSocket(this.#req.url, {
        headers: this.#req.headers,
        handshakeTimeout: this.#s.handshakeTimeoutMs,
        maxPayload: this.#s.maxPayloadBytes,
        perMessageDeflate: false,
        followRedirects: false,
      });
      this.#ws = ws;
      let openedAt = 0;
      let frames = 0;
      let cause: 'server' | 'pong_timeout' | 'stopped' | 'error' = 'server';
      let error: string | undefined;
      let settled = false;
      const keepalive = new AbortController();
      const finish = (end: SessionEnd) => {
        if (settled) return;
        settled = true;
        keepalive.abort();
        signal.removeEventListener('abort', onStop);
        resolve(end);
      };
      const onStop = () => {
        cause = 'stopped';
        if (ws.readyState === WebSocket.CONNECTING) {
          ws.terminate();
          return;
        }
        // Keep reading until the server's close frame: everything it sent before it is delivered.
        this.#wantPause = false;
        ws.resume();
        ws.close(1000, 'collector stopping');
        const grace = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
        grace.unref();
      };
      signal.addEventListener('abort', onStop, { once: true });

      ws.on('unexpected-response', (req, res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          req.destroy();
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
          finish({
            kind: 'handshake',
            failure: {
              status: res.statusCode ?? 0,
              statusText: res.statusMessage ?? '',
              headers,
              body: Buffer.concat(chunks).toString('latin1'),
            },
          });
        };
        res.on('data', (c: Buffer) => {
          if (size < MAX_ERROR_BODY) chunks.push(c.subarray(0, MAX_ERROR_BODY - size));
          size += c.length;
        });
        res.on('end', done);
        res.on('error', done);
        res.on('close', done);
      });
      ws.on('open', () => {
        openedAt = clock.now();
        this.#lastInbound = performance.now();
        if (this.#wantPause) ws.pause();
        handlers.opened();
        this.#keepAlive(ws, keepalive.signal, () => {
          cause = 'pong_timeout';
          ws.terminate();
        });
      });
      ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
        this.#lastInbound = performance.now();
        frames++;
        handlers.frame(
          Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data),
        );
      });
      ws.on('pong', () => (this.#lastInbound = performance.now()));
      ws.on('ping', () => (this.#lastInbound = performance.now()));
      ws.on('error', (err) => {
        error ??= errorMessage(err);
        if (cause === 'server') cause = 'error';
      });
      ws.on('close', (code: number, reason: Buffer) => {
        if (openedAt === 0) {
          if (!settled) finish({ kind: 'unreachable', error: error ?? `closed with code ${code}` });
          return;
        }
        finish({
          kind: 'closed',
          code,
          reason: reason.toString('utf8'),
          cause,
          ...(error !== undefined ? { error } : {}),
          openedAt,
          frames,
        });
      });
    });
  }

  /**
   * Pings every pingIntervalMs; ends the connection when nothing came back within pongTimeoutMs. Real
   * time, not the service clock: it is the network's liveness, whatever clock the checkpoints use.
   */
  #keepAlive(ws: WebSocket, signal: AbortSignal, dead: () => void): void {
    const step = Math.min(this.#s.pingIntervalMs, Math.max(100, this.#s.pongTimeoutMs / 4));
    let lastPing = performance.now();
    const timer = setInterval(() => {
      if (ws.readyState !== WebSocket.OPEN) return;
      const now = performance.now();
      // While paused nothing is read, pongs included: only a connection we read can be judged dead.
      if (!this.#wantPause && now - this.#lastInbound > this.#s.pongTimeoutMs) {
        clearInterval(timer);
        return dead();
      }
      if (now - lastPing >= this.#s.pingIntervalMs) {
        lastPing = now;
        ws.ping();
      }
    }, step);
    signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  }
}
