// HTTP/1.1 requests on Node's own http and https modules: keep-alive connection pools per agent, an abort
// signal, a timeout for the response headers and one for each pause in the body.
//
// Why not undici (which the runtime used before): its HTTP parser is WebAssembly, and compiling and running
// it costs ~20 MiB of RSS in every process, while Node's parser is part of the binary and already serves
// /metrics. Every Collector is its own pod, so that is paid once per Collector (test/bench/RESULTS.md
// "Runtime memory"). The operator, one process per cluster, still uses undici.
import type { Agent as NodeAgent, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { SecureContextOptions } from 'node:tls';

// getBuiltinModule, not an ES import: importing node:http reads its lazy WebSocket getter, which loads
// Node's bundled undici (see metrics/server.ts).
const http = process.getBuiltinModule('node:http');
const https = process.getBuiltinModule('node:https');

export interface HttpAgentOptions {
  /** Connections per origin. */
  connections?: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs?: number;
  /** Default for requests: the response headers must arrive within this long. */
  headersTimeoutMs?: number;
  /** Default for requests: the body may pause this long between two chunks. */
  bodyTimeoutMs?: number;
  /** TLS settings for https origins (a private CA, a client certificate). */
  tls?: Pick<SecureContextOptions, 'ca' | 'cert' | 'key'> & { rejectUnauthorized?: boolean };
}

const DEFAULTS = {
  connections: 16,
  keepAliveTimeoutMs: 4_000,
  headersTimeoutMs: 300_000,
  bodyTimeoutMs: 300_000,
};

/** A pool of keep-alive connections for http and https origins. */
export class HttpAgent {
  readonly options: Required<Omit<HttpAgentOptions, 'tls'>> & Pick<HttpAgentOptions, 'tls'>;
  #http: NodeAgent | undefined;
  #https: NodeAgent | undefined;
  #destroyed = false;

  constructor(options: HttpAgentOptions = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** The Node agent for a URL's protocol. */
  agentFor(protocol: string): NodeAgent {
    if (this.#destroyed) throw new Error('the HTTP agent was destroyed');
    const pool = {
      keepAlive: true,
      maxSockets: this.options.connections,
      // Idle pooled sockets time out (and are closed) after this; active requests set their own timeouts.
      timeout: this.options.keepAliveTimeoutMs,
      scheduling: 'lifo' as const,
    };
    if (protocol === 'https:') return (this.#https ??= new https.Agent({ ...pool, ...this.options.tls }));
    return (this.#http ??= new http.Agent(pool));
  }

  /** Closes every connection, in use or idle; requests still running fail. */
  async destroy(): Promise<void> {
    this.#destroyed = true;
    this.#http?.destroy();
    this.#https?.destroy();
  }
}

/** For requests that name no agent. */
let sharedAgent: HttpAgent | undefined;

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Default: one agent shared by every such request. */
  agent?: HttpAgent;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
}

export interface HttpResult {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** Read it to the end (readText) or destroy it: its connection returns to the pool only then. */
  body: IncomingMessage;
}

/** A timeout of an HTTP exchange (retryable like any network error). */
export class HttpTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(what: string, ms: number, url: URL) {
    super(`${what} from ${url.host} within ${ms} ms`);
    this.name = 'HttpTimeoutError';
  }
}

/** Sends one request; resolves with the status and headers once they arrived, the body still to read. */
export function httpRequest(url: string, o: HttpRequestOptions = {}): Promise<HttpResult> {
  const target = new URL(url);
  const agent = o.agent ?? (sharedAgent ??= new HttpAgent());
  const headersTimeoutMs = o.headersTimeoutMs ?? agent.options.headersTimeoutMs;
  const bodyTimeoutMs = o.bodyTimeoutMs ?? agent.options.bodyTimeoutMs;
  const headers: Record<string, string | number> = { ...o.headers };
  if (o.body !== undefined) headers['content-length'] = Buffer.byteLength(o.body);
  const send = target.protocol === 'https:' ? https.request : http.request;
  return new Promise<HttpResult>((resolve, reject) => {
    const req = send(target, {
      method: o.method ?? 'GET',
      headers,
      agent: agent.agentFor(target.protocol),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    req.setTimeout(headersTimeoutMs, () =>
      req.destroy(new HttpTimeoutError('no response headers', headersTimeoutMs, target)),
    );
    req.once('error', reject);
    req.once('response', (res) => {
      req.setTimeout(0);
      res.setTimeout(bodyTimeoutMs, () =>
        res.destroy(new HttpTimeoutError('no response body data', bodyTimeoutMs, target)),
      );
      resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    req.end(o.body);
  });
}

/** Reads a body to the end as UTF-8; past `limit` bytes it stops reading (the connection is dropped) and throws. */
export async function readText(
  body: IncomingMessage,
  limit = Infinity,
  tooLarge: () => Error = () => new Error(`the response is larger than ${limit} bytes`),
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
