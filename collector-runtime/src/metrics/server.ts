// One port for Prometheus and the kubelet: /metrics, /healthz, /readyz. Used by the runtime and the operator;
// each says what healthy and ready mean for it.
import type { Server, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

// Not `import … from 'node:http'`: an ES import of a built-in reads every export, and node:http's lazy
// WebSocket getter then loads Node's bundled undici (~13 MiB of RSS in every pod, test/bench/RESULTS.md
// "Runtime memory"). getBuiltinModule hands over the module without touching its getters.
const { createServer } = process.getBuiltinModule('node:http');

export interface ReadinessReport {
  ready: boolean;
  services: { input: string; service: string; phase: string; lastPullOk?: boolean; lastError?: string }[];
  outputs: { name: string; connected: boolean; queuedEvents: number; lastError?: string }[];
}

/** A probe answer: 200 when ok, else 503; the body is sent as JSON (objects) or text (strings). */
export interface ProbeResult {
  ok: boolean;
  body: string | object;
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(opts: {
  host: string;
  port: number;
  registry: Registry;
  /** Default: the process serves, so it is alive. */
  healthz?: () => ProbeResult;
  readyz: () => ProbeResult;
}): Promise<MetricsServer> {
  const probe = (res: ServerResponse, r: ProbeResult) => {
    const json = typeof r.body !== 'string';
    res
      .writeHead(r.ok ? 200 : 503, { 'content-type': json ? 'application/json' : 'text/plain' })
      .end(json ? JSON.stringify(r.body) : `${r.body as string}\n`);
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      opts.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(text),
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(err.message),
      );
    } else if (path === '/healthz') {
      probe(res, opts.healthz?.() ?? { ok: true, body: 'ok' });
    } else if (path === '/readyz') {
      probe(res, opts.readyz());
    } else {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('not found: try /metrics, /healthz or /readyz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : opts.port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
