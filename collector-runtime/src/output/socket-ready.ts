// Waiting until a freshly opened socket may carry data: TCP connected, or TLS handshake done and accepted.
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** TLS 1.3 only: the server ended the connection right after our side of the handshake finished. */
export class ClosedAfterHandshakeError extends Error {
  readonly code = 'CR_TLS_CLOSED_AFTER_HANDSHAKE';
  constructor() {
    super('the server closed the connection right after the TLS handshake');
    this.name = 'ClosedAfterHandshakeError';
  }
}

function waitFor(
  socket: Socket,
  readyEvent: 'connect' | 'secureConnect',
  signal: AbortSignal,
  onReady: (done: () => void) => void,
  closedError: () => Error,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const cleanup = () => {
      settled = true;
      socket.off(readyEvent, ready);
      socket.off('error', fail);
      socket.off('end', closed);
      socket.off('close', closed);
      signal.removeEventListener('abort', aborted);
    };
    const fail = (err: Error) => {
      if (settled) return;
      cleanup();
      socket.destroy();
      reject(err);
    };
    const closed = () => fail(closedError());
    const aborted = () =>
      fail(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    const done = () => {
      if (settled) return;
      cleanup();
      resolve();
    };
    const ready = () => onReady(done);
    if (signal.aborted) return aborted();
    socket.once(readyEvent, ready);
    socket.on('error', fail);
    socket.on('end', closed);
    socket.on('close', closed);
    signal.addEventListener('abort', aborted, { once: true });
  });
}

/** Resolves once the TCP connection is up; destroys the socket and rejects on error, close or abort. */
export function waitForConnect(socket: Socket, signal: AbortSignal): Promise<void> {
  return waitFor(
    socket,
    'connect',
    signal,
    (done) => done(),
    () => new Error('connection closed while connecting'),
  );
}

/**
 * Resolves once the TLS handshake finished and, on TLS 1.3, the server accepted our client certificate.
 * In TLS 1.3 the client's handshake completes before the server has checked the client certificate, and a
 * rejection (an alert such as unknown_ca) only arrives a round trip later, after our first writes would have
 * "succeeded". So we wait for the server's first session ticket (servers send it once they accepted us) or,
 * for servers that send none, for twice the handshake time (at least 200 ms, at most 3 s).
 */
export function waitForTls(socket: TLSSocket, signal: AbortSignal, expectClientAuth: boolean): Promise<void> {
  const started = Date.now();
  let handshakeDone = false;
  let ticket = false;
  let onTicket: (() => void) | undefined;
  // Listen before the handshake: Node only asks OpenSSL for session callbacks once someone listens.
  // 'session' is emitted from inside OpenSSL's read of the ticket: writing before that call returns corrupts
  // the stream (the server answers bad_record_mac), so everything after it waits for the next turn.
  socket.once('session', () => {
    setImmediate(() => {
      ticket = true;
      onTicket?.();
    });
  });
  return waitFor(
    socket,
    'secureConnect',
    signal,
    (done) => {
      handshakeDone = true;
      if (!expectClientAuth || ticket || socket.getProtocol() !== 'TLSv1.3') return done();
      const settleMs = Math.min(3000, Math.max(200, 2 * (Date.now() - started)));
      const timer = setTimeout(done, settleMs);
      onTicket = () => {
        clearTimeout(timer);
        done();
      };
    },
    () =>
      handshakeDone
        ? new ClosedAfterHandshakeError()
        : new Error('connection closed during the TLS handshake'),
  );
}
