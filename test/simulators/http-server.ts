// The HTTP plumbing every request/response simulator shares: a loopback server on a free port,
// request reading, JSON replies and a tally of what was asked.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Larger bodies are read to the end but not kept: no simulated endpoint accepts that much. */
const MAX_BODY_BYTES = 1 << 20;

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function requestHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Writes one JSON reply; an undefined body is sent as an empty one. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
): void {
  res.writeHead(status, headers);
  res.end(body === undefined ? '' : JSON.stringify(body));
}

export interface LoopbackServer {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Stops listening and drops open (keep-alive) connections. */
  close(): Promise<void>;
}

export interface RequestHandler {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/**
 * Listens on 127.0.0.1 at a free port and hands every request to the handler `build` makes; `build`
 * gets the server first, since a simulator's replies carry its own URL.
 */
export async function startLoopbackServer<H extends RequestHandler>(
  build: (server: LoopbackServer) => H,
): Promise<H> {
  let handler: H | undefined;
  const server = createServer((req, res) => {
    // Requests only arrive once listen() resolved, by which time the handler exists.
    handler?.handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  handler = build({
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((err) => (err === undefined ? resolve() : reject(err)));
        server.closeAllConnections();
      }),
  });
  return handler;
}

/** Requests counted by route and by HTTP status, and each one logged, for test assertions. */
export class RequestTally<Entry extends { readonly status: number }> {
  readonly #requests = new Map<string, number>();
  readonly #status = new Map<string, number>();
  readonly #log: Entry[] = [];

  record(route: string, entry: Entry): void {
    this.#requests.set(route, (this.#requests.get(route) ?? 0) + 1);
    const status = String(entry.status);
    this.#status.set(status, (this.#status.get(status) ?? 0) + 1);
    this.#log.push(entry);
  }

  /** Copies, so later requests don't change what a test already holds. */
  snapshot(): { requests: Record<string, number>; status: Record<string, number>; requestLog: Entry[] } {
    return {
      requests: Object.fromEntries(this.#requests),
      status: Object.fromEntries(this.#status),
      requestLog: [...this.#log],
    };
  }
}
