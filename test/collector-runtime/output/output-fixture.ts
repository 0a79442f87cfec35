// Shared set-up of the output tests: a temp dir with a PKI, a private rsyslog receiver, a log capture, metrics.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { Registry } from 'prom-client';
import { createLogger, type Logger } from '../../../collector-runtime/src/logging/logger.ts';
import {
  createCollectorMetrics,
  type CollectorMetrics,
} from '../../../collector-runtime/src/metrics/catalog.ts';
import { createDevoSink } from '../../../collector-runtime/src/output/devo-sink.ts';
import type { DevoOutputConfig } from '../../../collector-runtime/src/output/devo-output-config.ts';
import type { LineBatch, Sink } from '../../../collector-runtime/src/output/sink.ts';
import { startRsyslogReceiver, type RsyslogReceiver } from '../../support/rsyslog-receiver.ts';
import { generateTestPki, type TestPki } from '../../support/tls-certs.ts';
import { parseLogLine } from '../../support/log-lines.ts';

export interface LogCapture {
  log: Logger;
  records: Record<string, unknown>[];
  messages(): string[];
}

export function captureLog(): LogCapture {
  const records: Record<string, unknown>[] = [];
  const log = createLogger({
    level: 'debug',
    destination: { write: (line: string) => void records.push(parseLogLine(line)) },
  });
  return { log, records, messages: () => records.map((r) => String(r.msg)) };
}

export async function makeTempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface ReceiverFixture {
  dir: string;
  pki: TestPki;
  rx: RsyslogReceiver;
  /** Sinks made by devoSinkFor: close() stops any a failed test left running (they would keep the process up). */
  sinks: Sink[];
  close(): Promise<void>;
}

/**
 * The test file's receiver fixture: started before its first test, closed after its last. The object is
 * filled in by then, so tests read it as they would a started fixture.
 */
export function receiverFixtureForFile(prefix: string): ReceiverFixture {
  const fx = {} as ReceiverFixture;
  before(async () => {
    Object.assign(fx, await startReceiverFixture(prefix));
  });
  after(() => fx.close?.());
  return fx;
}

/** A PKI and a durable-mode rsyslog receiver in a fresh temp dir (one per test file). */
export async function startReceiverFixture(prefix: string): Promise<ReceiverFixture> {
  const tmp = await makeTempDir(prefix);
  const pki = await generateTestPki(join(tmp.dir, 'pki'));
  const rx = await startRsyslogReceiver({ pki, dir: join(tmp.dir, 'rsyslog') });
  const sinks: Sink[] = [];
  return {
    dir: tmp.dir,
    pki,
    rx,
    sinks,
    async close() {
      await Promise.all(sinks.map((s) => s.stop(100).catch(() => undefined)));
      await rx.stop();
      await tmp.remove();
    },
  };
}

export interface SinkUnderTest {
  sink: Sink;
  metrics: CollectorMetrics;
  logs: LogCapture;
}

/** A Devo sink pointed at the fixture's receiver with the trusted client certificate, fast test timings. */
export function devoSinkFor(
  fx: Pick<ReceiverFixture, 'pki' | 'rx'> & { sinks?: Sink[] },
  overrides: Partial<DevoOutputConfig> = {},
  name = 'devo_1',
): SinkUnderTest {
  const logs = captureLog();
  const metrics = createCollectorMetrics(new Registry());
  const sink = createDevoSink(
    {
      address: '127.0.0.1',
      port: fx.rx.port,
      chain: 'chain.crt',
      cert: `${fx.pki.domain}.crt`,
      key: `${fx.pki.domain}.key`,
      reconnect_initial_seconds: 0.1,
      reconnect_max_seconds: 0.5,
      close_timeout_seconds: 5,
      ...overrides,
    },
    { name, collector: 'test', log: logs.log, metrics, certsDir: fx.pki.dir },
  );
  fx.sinks?.push(sink);
  return { sink, metrics, logs };
}

/** Ids of test lines `{"run":"<run>","id":<n>…}` found at the receiver, with how often each arrived. */
export async function receivedIds(rx: RsyslogReceiver, run: string): Promise<Map<number, number>> {
  const seen = new Map<number, number>();
  const re = new RegExp(`"run":"${run}","id":(\\d+)`);
  for (const l of await rx.lines()) {
    const m = re.exec(l);
    if (m) seen.set(Number(m[1]), (seen.get(Number(m[1])) ?? 0) + 1);
  }
  return seen;
}

export function batchOf(lines: readonly string[]): LineBatch {
  return { data: Buffer.from(lines.join(''), 'utf8'), events: lines.length };
}

/** The value of one labelled series of a metric (0 when absent). */
export async function metricValue(
  metric: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> },
  labels: Record<string, string>,
): Promise<number> {
  const { values } = await metric.get();
  const hit = values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want));
  return hit?.value ?? 0;
}

/** Whether a promise has settled, without waiting for it. */
export async function isSettled(p: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  const winner = await Promise.race([
    p.then(
      () => 'done',
      () => 'done',
    ),
    new Promise((r) => setImmediate(() => r(marker))),
  ]);
  return winner !== marker;
}
