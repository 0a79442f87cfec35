// Drives one registered source for the conformance suite: validates the fixture's settings through the
// real config path, then runs a service either through the runtime's ServiceRunner (lifecycle) or as
// the runtime does, one pull at a time (to control when delivery fails). Events go through the real
// pipeline and line encoder into a sink that records what was written and can drop the connection.
import { Writable } from 'node:stream';
import { validateConfig } from '../../../collector-runtime/src/config/validate.ts';
import type { ConfiguredInput } from '../../../collector-runtime/src/config/runtime-config.ts';
import type {
  InputDefinition,
  Puller,
  PullSummary,
} from '../../../collector-runtime/src/inputs/definition.ts';
import { inputRegistry } from '../../../collector-runtime/src/inputs/registry.ts';
import { createLogger, type Logger } from '../../../collector-runtime/src/logging/logger.ts';
import {
  createCollectorMetrics,
  type CollectorMetrics,
} from '../../../collector-runtime/src/metrics/catalog.ts';
import {
  serviceTelemetry,
  type ServiceTelemetry,
} from '../../../collector-runtime/src/metrics/service-telemetry.ts';
import { createHttpShared, httpClientFactory } from '../../../collector-runtime/src/core/http/client.ts';
import { createPipeline } from '../../../collector-runtime/src/output/pipeline.ts';
import { ServiceRunner } from '../../../collector-runtime/src/core/service-runner.ts';
import type { Sink } from '../../../collector-runtime/src/output/sink.ts';
import { memoryStore } from '../../../collector-runtime/src/state/memory-store.ts';
import { virtualClock } from '../../support/virtual-clock.ts';
import type { ConformanceFixture } from './fixture.ts';

export const COLLECTOR = 'conformance';
const PATHS = { base: '/conf', certs: '/conf/certs', config: '/conf/config', state: '/conf/state' };
const FILES = {
  readText: () => ({ error: 'no files in the conformance suite' }),
  checkReadable: () => undefined,
  checkDirectory: () => undefined,
};

export interface SourceRun {
  def: InputDefinition;
  input: ConfiguredInput;
  clock: ReturnType<typeof virtualClock>;
  /** The values of the input's secret settings, which must never show. */
  secrets: string[];
  stop(): Promise<void>;
}

/** Starts the fixture's simulator and validates its settings; `secret` replaces every secret credential. */
export async function startSource(
  name: string,
  fixture: ConformanceFixture,
  opts: { secret?: string } = {},
): Promise<SourceRun> {
  const def = inputRegistry.get(name)!;
  const clock = virtualClock();
  const run = await fixture.start(clock);
  const raw = { ...run.input, id: 'conf' } as Record<string, unknown>;
  const credentials = { ...(raw.credentials as Record<string, unknown>) };
  const secretKeys = Object.keys(def.credentials).filter((k) => def.credentials[k]!.rule.secret);
  if (opts.secret !== undefined) for (const k of secretKeys) credentials[k] = opts.secret;
  raw.credentials = credentials;
  const { config, problems } = validateConfig(
    {
      globals: { id: COLLECTOR, name: COLLECTOR },
      outputs: { out: { type: 'console', config: {} } },
      inputs: { [name]: raw },
    },
    { now: clock.now(), env: {}, paths: PATHS, files: FILES, registry: inputRegistry },
  );
  if (!config) {
    await run.stop();
    throw new Error(`the fixture's settings for ${name} do not validate: ${JSON.stringify(problems)}`);
  }
  return {
    def,
    input: config.inputs[0]!,
    clock,
    secrets: secretKeys.map((k) => String(credentials[k])),
    stop: run.stop,
  };
}

/** A sink that records every event written (tag + record without the @devo_ fields) and can fail. */
function recordingSink(delivered: string[]): Sink & { failing: boolean } {
  return {
    name: 'recorder',
    failing: false,
    async start() {},
    async write(batch) {
      if (this.failing) throw new Error('the output connection dropped');
      for (const line of batch.data.toString('utf8').split('\n')) {
        const m = /^<\d+>\S+ \S+ (\S+): (.*)$/.exec(line);
        if (!m) continue;
        const record = JSON.parse(m[2]!) as Record<string, unknown>;
        for (const k of Object.keys(record)) if (k.startsWith('@devo_')) delete record[k];
        delivered.push(`${m[1]} ${JSON.stringify(record)}`);
      }
    },
    async stop() {},
    status: () => ({ connected: true, queuedEvents: 0 }),
  };
}

export interface ServiceUnderTest {
  logs: string[];
  metrics: CollectorMetrics;
  telemetry: ServiceTelemetry;
  log: Logger;
  /** Events written to the output, in order. */
  delivered: string[];
  sink: Sink & { failing: boolean };
}

function parts(
  src: SourceRun,
  service: string,
): ServiceUnderTest & { http: ReturnType<typeof httpClientFactory> } {
  const logs: string[] = [];
  const log = createLogger({
    destination: new Writable({
      write(chunk: Buffer, _enc, cb) {
        logs.push(chunk.toString('utf8'));
        cb();
      },
    }),
    level: 'debug',
  });
  const metrics = createCollectorMetrics();
  const telemetry = serviceTelemetry(metrics, { collector: COLLECTOR, input: src.input.name, service });
  const delivered: string[] = [];
  return {
    logs,
    log,
    metrics,
    telemetry,
    delivered,
    sink: recordingSink(delivered),
    http: httpClientFactory(createHttpShared(src.clock), telemetry, log),
  };
}

/** The service as the runtime runs it: ServiceRunner with a memory store. */
export function serviceRunner(src: SourceRun, service: string, store = memoryStore()) {
  const p = parts(src, service);
  const runner = new ServiceRunner({
    definition: src.def,
    input: src.input,
    service: src.input.services.find((s) => s.name === service)!,
    store,
    pipeline: createPipeline([p.sink], { hostname: 'conformance', now: src.clock.now }),
    telemetry: p.telemetry,
    http: p.http,
    log: p.log,
    clock: src.clock,
  });
  return { ...p, runner, store };
}

/**
 * The service's puller driven pull by pull, committing as the runtime does (deliver, then keep the
 * state, JSON round-tripped as a store would). `committed()` is the last checkpoint kept.
 */
export function servicePuller(src: SourceRun, service: string, state: unknown) {
  const p = parts(src, service);
  const pipeline = createPipeline([p.sink], { hostname: 'conformance', now: src.clock.now });
  let kept: unknown = state;
  const entry = src.input.services.find((s) => s.name === service)!;
  const create = src.def.services[service]!.createPuller;
  if (!create) throw new Error(`${service} is a stream: drive it with serviceRunner`);
  const puller: Puller = create({
    inputName: src.input.name,
    serviceName: service,
    input: src.input.config,
    service: entry.config,
    log: p.log,
    clock: src.clock,
    telemetry: p.telemetry,
    http: p.http,
    state,
    async commit(events, nextState) {
      await pipeline.deliver(events, { pullingId: 1 }, p.telemetry);
      kept = JSON.parse(JSON.stringify(nextState)) as unknown;
    },
  });
  return {
    ...p,
    puller,
    committed: () => kept,
    /** Pulls until the service reports it is up to date (or `maxPulls`); rethrows a failed pull. */
    async pullUntilUpToDate(signal: AbortSignal, maxPulls = 50): Promise<PullSummary> {
      for (let i = 0; ; i++) {
        const summary = await puller.pull(signal);
        if (summary.upToDate || i + 1 >= maxPulls) return summary;
      }
    },
  };
}
