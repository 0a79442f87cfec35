// Shared set-up of the output tests: the receiver fixture, a log capture, metrics, sinks pointed at the receiver.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import {
  createCollectorMetrics,
  type CollectorMetrics,
} from '../../../collector-runtime/src/metrics/catalog.ts';
import { createDevoSink } from '../../../collector-runtime/src/output/devo-sink.ts';
import type { DevoOutputConfig } from '../../../collector-runtime/src/output/devo-output-config.ts';
import type { LineBatch, Sink } from '../../../collector-runtime/src/output/sink.ts';
import type { RsyslogReceiver } from '../../support/rsyslog-receiver.ts';
import {
  fixtureForFile,
  startReceiverFixture,
  type ReceiverFixture,
} from '../../support/receiver-fixture.ts';
import { captureLog, type LogCapture } from '../../support/log-capture.ts';

export async function makeTempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface SinkFixture extends ReceiverFixture {
  /** Sinks made by devoSinkFor: close() stops any a failed test left running (they would keep the process up). */
  sinks: Sink[];
}

/** The receiver fixture of test/support plus the sinks a test made, stopped at close (one per test file). */
export function sinkFixtureForFile(prefix: string): SinkFixture {
  return fixtureForFile(async () => {
    const fx = await startReceiverFixture(prefix);
    const sinks: Sink[] = [];
    return {
      ...fx,
      sinks,
      async close() {
        await Promise.all(sinks.map((s) => s.stop(100).catch(() => undefined)));
        await fx.close();
      },
    };
  });
}

export interface SinkUnderTest {
  sink: Sink;
  metrics: CollectorMetrics;
  logs: LogCapture;
}

/** A Devo sink pointed at the fixture's receiver with the trusted client certificate, fast test timings. */
export function devoSinkFor(
  fx: Pick<ReceiverFixture, 'pki' | 'receiver'> & { sinks?: Sink[] },
  overrides: Partial<DevoOutputConfig> = {},
  name = 'devo_1',
): SinkUnderTest {
  const logs = captureLog();
  const metrics = createCollectorMetrics(new Registry());
  const sink = createDevoSink(
    {
      address: '127.0.0.1',
      port: fx.receiver.port,
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
export async function receivedIds(receiver: RsyslogReceiver, run: string): Promise<Map<number, number>> {
  const seen = new Map<number, number>();
  const re = new RegExp(`"run":"${run}","id":(\\d+)`);
  for (const l of await receiver.lines()) {
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
