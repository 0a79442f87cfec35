// What the HTTP client does with bodies it cannot use: a non-JSON page is reported by length and content type,
// never quoted (it holds user names and addresses); a 50 MiB page is refused at the size limit with a clear
// error while memory stays bounded (the Buffers held and the RSS printed).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { systemClock } from '../../../collector-runtime/src/core/clock.ts';
import { ApiError } from '../../../collector-runtime/src/core/errors.ts';
import {
  createHttpShared,
  httpClientFactory,
  MAX_RESPONSE_BYTES,
  type HttpShared,
} from '../../../collector-runtime/src/core/http/client.ts';
import { createLogger } from '../../../collector-runtime/src/logging/logger.ts';
import { createCollectorMetrics } from '../../../collector-runtime/src/metrics/catalog.ts';
import { serviceTelemetry } from '../../../collector-runtime/src/metrics/service-telemetry.ts';
import { parseLogLine } from '../../support/log-lines.ts';
import type { PageMemoryReport } from './page-memory-probe.ts';

const PERSONAL = 'john.doe@contoso.com from 10.1.2.3';
const MiB = 1024 * 1024;
const HUGE_BYTES = 50 * MiB;
const LIMIT_MIB = MAX_RESPONSE_BYTES / MiB;
/** The body held up to the limit, plus the chunk in hand: below the page's own 50 MiB. */
const BUFFERS_BOUND_MIB = LIMIT_MIB + 2;
/** The whole process: the body plus the allocator's and V8's working space (+31 to +48 MiB measured). */
const RSS_BOUND_MIB = LIMIT_MIB + 32;
let server: Server;
let base: string;
let shared: HttpShared;
const lines: Record<string, unknown>[] = [];
const log = createLogger({ destination: { write: (l: string) => void lines.push(parseLogLine(l)) } });

before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/html') {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<html><body>Sign-in of ${PERSONAL}</body></html>`);
    } else if (req.url === '/small') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"value":[]}');
    } else if (req.url === '/huge') {
      // A 50 MiB page, streamed: {"value":[{"pad":"…"},…]}
      res.writeHead(200, { 'content-type': 'application/json' });
      const record = Buffer.from(`{"pad":"${'x'.repeat(1000)}"},`);
      let sent = 0;
      res.write('{"value":[');
      const more = () => {
        while (sent < HUGE_BYTES) {
          sent += record.length;
          if (!res.write(record)) return void res.once('drain', more);
        }
        res.end('{}]}');
      };
      res.on('error', () => undefined);
      more();
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  shared = createHttpShared(systemClock);
});
after(async () => {
  await shared.dispatcher.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function client() {
  const telemetry = serviceTelemetry(createCollectorMetrics(new Registry()), {
    collector: 'c',
    input: 'i',
    service: 's',
  });
  return httpClientFactory(shared, telemetry, log).client({ maxRetries: 0 });
}

test('a non-JSON page: the error gives its length and type, not its content', async () => {
  const err = await client()
    .getJson(`${base}/html`, AbortSignal.timeout(10_000))
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  assert.ok(err instanceof ApiError, String(err));
  assert.match(err.message, /HTTP 200 not JSON \(\d+ bytes of text\/html\)$/);
  assert.doesNotMatch(err.message, /john\.doe|10\.1\.2\.3/);
  log.error({ err }, 'Failed to pull');
  log.flush();
  const line = JSON.stringify(lines.at(-1));
  assert.doesNotMatch(line, /john\.doe|10\.1\.2\.3/, 'the logged error carries no body');
  console.log(`non-JSON page: ${err.message}`);
});

test('a 50 MiB page is refused at the size limit with memory bounded', async (t) => {
  // In a child process of its own (see page-memory-probe.ts): the server here and the test runner add
  // nothing to what is measured, and its collections depend on allocations only, not on the machine's load.
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--single-threaded-gc',
      '--max-semi-space-size=1',
      join(import.meta.dirname, 'page-memory-probe.ts'),
      `${base}/small`,
      `${base}/huge`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], timeout: 120_000 },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, `the probe exited with ${code}: ${out}`);
  const report = JSON.parse(out) as PageMemoryReport;
  const buffersMiB = (report.buffersPeak - report.buffersBefore) / MiB;
  const rssMiB = (report.rssPeak - report.rssBefore) / MiB;
  t.diagnostic(
    `50 MiB page: refused after ${report.ms} ms; Buffers held at most +${buffersMiB.toFixed(2)} MiB ` +
      `(limit ${LIMIT_MIB} MiB, bound +${BUFFERS_BOUND_MIB}); RSS ${(report.rssBefore / MiB).toFixed(0)} MiB ` +
      `before, peak +${rssMiB.toFixed(1)} MiB (bound +${RSS_BOUND_MIB})`,
  );
  assert.equal(report.error?.name, 'ResponseTooLargeError', JSON.stringify(report.error));
  assert.match(report.error.message, /larger than 33554432 bytes; lower the page size/);
  // Up to the limit the body is held as it came (chunks), then dropped: reading stops at the limit, not
  // at the end of the page, which would hold all 50 MiB as chunks, then again as one buffer and a string.
  assert.ok(buffersMiB < BUFFERS_BOUND_MIB, `Buffers held ${buffersMiB.toFixed(2)} MiB`);
  assert.ok(rssMiB < RSS_BOUND_MIB, `RSS grew ${rssMiB.toFixed(1)} MiB`);
});
