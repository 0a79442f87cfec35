// Run as a child process by http-body.test.ts: GETs one page (argv[3]) with the runtime's HTTP client and
// prints, as one JSON line, how the request ended and two peaks above what the process held just before:
// - the memory of Buffers still referenced (process.memoryUsage().arrayBuffers after a full collection),
//   read after every MiB of body, so the peak is exact to that much: what reading the body holds;
// - the resident set (VmHWM, the kernel's own peak, reset first): what the whole process needed.
// A small page (argv[2]) is read first, so the one-time costs of the first request (a connection,
// compiled code) are in the baseline. Its own process, so the server and the test
// runner add nothing; run it with --expose-gc, --single-threaded-gc (collections depend on allocations
// only, never on how busy the CPUs are) and a small --max-semi-space-size (the young generation does not
// grow into megabytes of short-lived garbage that would count as resident).
import { readFileSync, writeFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import type { Socket } from 'node:net';
import { systemClock } from '../../../collector-runtime/src/core/clock.ts';
import { createHttpShared, httpClientFactory } from '../../../collector-runtime/src/core/http/client.ts';
import { HttpAgent } from '../../../collector-runtime/src/core/http/transport.ts';
import { createLogger } from '../../../collector-runtime/src/logging/logger.ts';
import { createCollectorMetrics } from '../../../collector-runtime/src/metrics/catalog.ts';
import { serviceTelemetry } from '../../../collector-runtime/src/metrics/service-telemetry.ts';

export interface PageMemoryReport {
  /** The error's name and message, or undefined when the page was returned. */
  error?: { name: string; message: string };
  /** Buffer memory and RSS before the request and their peaks during it, in bytes. */
  buffersBefore: number;
  buffersPeak: number;
  rssBefore: number;
  rssPeak: number;
  ms: number;
}

const kib = (field: string) =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;

const [warmUpUrl, url] = process.argv.slice(2) as [string, string];
/** A full collection and a look every this many bytes received (they arrive in chunks of at most 64 KiB). */
const SAMPLE_EVERY_BYTES = 1024 * 1024;
let buffersPeak = 0;
let unsampled = 0;
/** The client's own agent settings, with a look at the Buffer memory after every MiB that arrives. */
const agent = new HttpAgent({ keepAliveTimeoutMs: 30_000, headersTimeoutMs: 60_000, bodyTimeoutMs: 120_000 });
const pool = agent.agentFor('http:');
const createConnection = pool.createConnection.bind(pool) as (...args: unknown[]) => Socket;
// Every socket of the pool counts what it receives (its HTTP parser reads the same chunks).
pool.createConnection = ((...args: unknown[]) => {
  const socket = createConnection(...args);
  socket.on('data', (chunk: Buffer) => {
    unsampled += chunk.length;
    if (unsampled >= SAMPLE_EVERY_BYTES) {
      unsampled = 0;
      globalThis.gc!(); // only what is still referenced counts, whenever V8 would have collected
      buffersPeak = Math.max(buffersPeak, process.memoryUsage().arrayBuffers);
    }
  });
  return socket;
}) as typeof pool.createConnection;
const shared = createHttpShared(systemClock, agent);
const telemetry = serviceTelemetry(createCollectorMetrics(new Registry()), {
  collector: 'c',
  input: 'i',
  service: 's',
});
const client = httpClientFactory(
  shared,
  telemetry,
  createLogger({ destination: { write: () => undefined } }),
).client({
  maxRetries: 0,
});

await client.getJson(warmUpUrl, AbortSignal.timeout(60_000));
globalThis.gc!();
const buffersBefore = process.memoryUsage().arrayBuffers;
buffersPeak = buffersBefore;
const rssBefore = kib('VmRSS');
writeFileSync('/proc/self/clear_refs', '5'); // VmHWM := VmRSS
const t0 = performance.now();
const error = await client.getJson(url, AbortSignal.timeout(60_000)).then(
  () => undefined,
  (e: Error) => ({ name: e.name, message: e.message }),
);
const report: PageMemoryReport = {
  ...(error ? { error } : {}),
  buffersBefore,
  buffersPeak,
  rssBefore,
  rssPeak: kib('VmHWM'),
  ms: Math.round(performance.now() - t0),
};
await shared.dispatcher.destroy();
process.stdout.write(`${JSON.stringify(report)}\n`);
