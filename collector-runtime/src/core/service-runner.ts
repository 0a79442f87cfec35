// The lifecycle of one (input, service): pre-pull (load state, migrate, reset check) → setup (auth) →
// pull every request_period_in_seconds, back to back while there is a backlog. A failing service logs,
// counts and retries; it never stops the others. A streamed service runs its stream instead of pulling.
import type {
  InputDefinition,
  PullerContext,
  PullSummary,
  ServiceDefinition,
  Stream,
} from '../inputs/definition.ts';
import type { ConfiguredInput, EnabledService } from '../config/runtime-config.ts';
import type { Logger } from '../logging/logger.ts';
import type { Clock } from './clock.ts';
import type { StateStore } from '../state/store.ts';
import { stateKey } from '../state/store.ts';
import { quarantine } from '../state/file-store.ts';
import type { Pipeline } from '../output/pipeline.ts';
import type { ServiceTelemetry } from '../metrics/service-telemetry.ts';
import type { HttpClientFactory } from './http/client.ts';
import { backoffDelay } from './backoff.ts';
import { CollectorError, errorMessage } from './errors.ts';

/** The checkpoint document as stored. `fingerprint` holds the settings whose change resets the state. */
export interface StateDocument {
  '@persistence_version': number;
  fingerprint: { start_time_in_utc: string | null; reset_persistence_auth: string | number | boolean | null };
  updated_at: string;
  data: unknown;
}

export interface ServiceHealth {
  input: string;
  service: string;
  phase: 'starting' | 'setup-failed' | 'running' | 'stopped';
  lastPullOk?: boolean;
  lastError?: string;
  lastSuccessAt?: number;
}

export interface ServiceRunnerDeps {
  definition: InputDefinition;
  input: ConfiguredInput;
  service: EnabledService;
  store: StateStore;
  pipeline: Pipeline;
  telemetry: ServiceTelemetry;
  http: HttpClientFactory;
  log: Logger;
  clock: Clock;
}

export class ServiceRunner {
  readonly health: ServiceHealth;
  readonly #d: ServiceRunnerDeps;
  readonly #def: ServiceDefinition;
  readonly #key: string;
  #lastSaved: string | undefined;
  /** The start of the pull under way: the output groups a pull's events by it. */
  #pullingId = 0;
  /** The newest checkpoint whose events are delivered but which the store has not taken yet. */
  #unsaved: { data: unknown } | undefined;
  /** Store writes, one at a time and in order: an older checkpoint never lands after a newer one. */
  #writes: Promise<void> = Promise.resolve();
  /** Set while the store refuses writes: a background loop retries the newest checkpoint meanwhile. */
  #retrying: Promise<void> | undefined;

  constructor(deps: ServiceRunnerDeps) {
    this.#d = deps;
    this.#def = deps.definition.services[deps.service.name]!;
    this.#key = stateKey(deps.input.name, deps.input.config.id, deps.service.name);
    this.health = { input: deps.input.name, service: deps.service.name, phase: 'starting' };
  }

  get stateKey(): string {
    return this.#key;
  }

  #fingerprint(): StateDocument['fingerprint'] {
    const s = this.#d.service.config;
    return {
      start_time_in_utc:
        s.start_time_in_utc !== undefined ? new Date(s.start_time_in_utc).toISOString() : null,
      reset_persistence_auth: s.reset_persistence_auth ?? null,
    };
  }

  /** Loads and checks the saved state: returns the service data to resume from, or undefined to start over. */
  async prePull(): Promise<unknown> {
    const { store, log, telemetry, clock } = this.#d;
    const raw = await store.get(this.#key);
    if (raw === undefined) return undefined;
    let doc: Partial<StateDocument> & Record<string, unknown>;
    try {
      doc = JSON.parse(raw) as typeof doc;
      if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('not a JSON object');
    } catch (err) {
      const aside = await quarantine(store, this.#key, raw, clock.now());
      log.error(
        { err, stateKey: this.#key, movedTo: aside },
        'Moved an unreadable state document aside; the service starts again from start_time_in_utc',
      );
      return undefined;
    }
    const fp = this.#fingerprint();
    const version = typeof doc['@persistence_version'] === 'number' ? doc['@persistence_version'] : 1;
    const saved = doc.fingerprint;
    if (
      saved &&
      (saved.start_time_in_utc !== fp.start_time_in_utc ||
        saved.reset_persistence_auth !== fp.reset_persistence_auth)
    ) {
      await store.delete(this.#key);
      telemetry.stateReset();
      log.warn(
        { previous: saved, current: fp },
        'Reset the service state because start_time_in_utc or reset_persistence_auth changed',
      );
      return undefined;
    }
    if (version === this.#def.stateVersion) return doc.data;
    // An older layout (e.g. the Python collector's flat document): let the source upgrade it.
    const migrated = this.#def.migrateState?.(
      version === 1 && doc.data === undefined ? doc : doc.data,
      version,
    );
    if (migrated === undefined) {
      log.warn(
        { version },
        'Ignored a state document of an unknown layout; the service starts from start_time_in_utc',
      );
      return undefined;
    }
    log.info(
      { from: version, to: this.#def.stateVersion },
      'Migrated the service state to the current layout',
    );
    return migrated;
  }

  /** Writes the newest unsaved checkpoint, if any, after the writes already under way. */
  #flush(): Promise<void> {
    const write = this.#writes.then(async () => {
      const next = this.#unsaved;
      if (!next) return;
      await this.#write(next.data);
      if (this.#unsaved === next) this.#unsaved = undefined;
    });
    this.#writes = write.catch(() => undefined);
    return write;
  }

  async #write(data: unknown): Promise<void> {
    const body = JSON.stringify(data);
    if (body === this.#lastSaved) return;
    const doc: StateDocument = {
      '@persistence_version': this.#def.stateVersion,
      fingerprint: this.#fingerprint(),
      updated_at: new Date(this.#d.clock.now()).toISOString(),
      data,
    };
    try {
      await this.#d.store.set(this.#key, JSON.stringify(doc));
      this.#lastSaved = body;
      this.#d.telemetry.stateWrite('success');
    } catch (err) {
      this.#d.telemetry.stateWrite('error');
      throw err;
    }
  }

  /**
   * Saves the checkpoint of events already delivered. A store that is briefly unavailable (API server
   * restart, full or read-only volume) must neither stop the pulls nor make them send those events again:
   * the pull goes on, and a background loop writes the newest checkpoint once the store takes it. A crash
   * meanwhile re-reads from the last saved checkpoint (duplicates, never loss). A write refused for good
   * (RBAC, the ConfigMap size limit) fails the commit and so the pull; once the loop runs, it logs such
   * refusals and keeps trying.
   */
  async #save(data: unknown, signal: AbortSignal): Promise<void> {
    this.#unsaved = { data };
    if (this.#retrying) return;
    try {
      await this.#flush();
    } catch (err) {
      if (err instanceof CollectorError && !err.retryable) throw err;
      this.#d.log.error(
        { err, stateKey: this.#key },
        'Failed to save the checkpoint; pulling goes on and the newest checkpoint is retried until the store takes it',
      );
      this.#retrying = this.#retrySaving(signal).finally(() => (this.#retrying = undefined));
    }
  }

  async #retrySaving(signal: AbortSignal): Promise<void> {
    const { clock, log } = this.#d;
    for (let attempt = 0; this.#unsaved && !signal.aborted; attempt++) {
      await sleepQuietly(clock, backoffDelay(attempt, { initialMs: 1_000, maxMs: 10_000 }), signal);
      if (signal.aborted) return;
      try {
        await this.#flush();
        log.info({ failedWrites: attempt + 1 }, 'Saved the checkpoint again');
        return;
      } catch (err) {
        // An API server starting up may refuse a request or two (401, 403) before its caches fill: keep
        // going, but say so, since the same error from a store that stays that way needs a fix.
        if (err instanceof CollectorError && !err.retryable)
          log.error({ err, stateKey: this.#key }, 'Failed to save the checkpoint again');
      }
    }
  }

  /** On stop: one last try for a checkpoint the store has not taken yet. */
  async #saveUnsaved(): Promise<void> {
    if (!this.#unsaved) return;
    await this.#retrying;
    try {
      await this.#flush();
    } catch (err) {
      this.#d.log.error(
        { err, stateKey: this.#key },
        'Stopped without saving the newest checkpoint: the events since the last saved one will be sent again at the next start',
      );
    }
  }

  /**
   * Retries `step` with backoff (capped by the request period) until it succeeds; the service shows as
   * set-up-failed meanwhile. Undefined when the signal aborted first.
   */
  async #untilDone<T>(
    step: () => Promise<T>,
    failure: string,
    initialMs: number,
    signal: AbortSignal,
  ): Promise<{ value: T } | undefined> {
    const { log, clock, telemetry, service } = this.#d;
    const periodMs = service.config.request_period_in_seconds * 1000;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        return { value: await step() };
      } catch (err) {
        if (signal.aborted) break;
        this.health.phase = 'setup-failed';
        this.health.lastError = errorMessage(err);
        telemetry.up(false);
        const wait = Math.min(periodMs, backoffDelay(attempt, { initialMs, maxMs: 300_000 }));
        log.error({ err, retryInSeconds: Math.round(wait / 1000) }, failure);
        await sleepQuietly(clock, wait, signal);
      }
    }
    return undefined;
  }

  /** Runs until the signal aborts. Never throws for pull failures: they are logged, counted and retried. */
  async run(signal: AbortSignal): Promise<void> {
    const { log, clock, telemetry, pipeline, input, service } = this.#d;
    telemetry.requestPeriod(service.config.request_period_in_seconds);
    // The state store may be briefly unreachable (API server restart, RBAC not yet bound): keep trying.
    const loaded = await this.#untilDone(
      () => this.prePull(),
      'Failed to load the service state',
      2_000,
      signal,
    );
    if (!loaded) return;
    const ctx: PullerContext = {
      inputName: input.name,
      serviceName: service.name,
      input: input.config,
      service: service.config,
      log,
      clock,
      telemetry,
      http: this.#d.http,
      stateLimitBytes: this.#d.store.limitBytes,
      state: loaded.value,
      commit: async (events, nextState) => {
        telemetry.committing(events.length);
        await pipeline.deliver(
          events,
          { pullingId: this.#pullingId, environment: input.config.environment },
          telemetry,
        );
        await this.#save(nextState, signal);
      },
    };
    try {
      await this.#runPulls(ctx, signal);
    } finally {
      await this.#saveUnsaved();
    }
  }

  async #runPulls(ctx: PullerContext, signal: AbortSignal): Promise<void> {
    const { log, clock, telemetry, service } = this.#d;
    const periodMs = service.config.request_period_in_seconds * 1000;
    if (this.#def.createStream) return this.#runStream(this.#def.createStream(ctx), signal);
    const puller = this.#def.createPuller!(ctx);
    if (!(await this.#untilDone(() => puller.setup(signal), 'Failed to set up the service', 5_000, signal)))
      return;
    this.health.phase = 'running';
    log.info({ requestPeriodSeconds: service.config.request_period_in_seconds }, 'Started pulling');

    let failures = 0;
    while (!signal.aborted) {
      const started = clock.now();
      this.#pullingId = started;
      const t0 = performance.now();
      let summary: PullSummary | undefined;
      try {
        summary = await puller.pull(signal);
        failures = 0;
        const seconds = (performance.now() - t0) / 1000;
        telemetry.pullDone('success', seconds, clock.now());
        this.health.lastPullOk = true;
        this.health.lastError = undefined;
        this.health.lastSuccessAt = clock.now();
        log.info(
          {
            requests: summary.requests,
            received: summary.received,
            duplicates: summary.duplicates,
            sent: summary.sent,
            eventsPerSecond: seconds > 0 ? Math.round(summary.sent / seconds) : summary.sent,
            elapsedSeconds: Number(seconds.toFixed(3)),
            upToDate: summary.upToDate,
          },
          'Finished a pull',
        );
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        telemetry.pullDone('error', (performance.now() - t0) / 1000, clock.now());
        this.health.lastPullOk = false;
        this.health.lastError = errorMessage(err);
        const retryable = !(err instanceof CollectorError) || err.retryable;
        log.error({ err, retryable }, 'Failed to pull; the checkpoint did not move');
        // Back off on repeated failures, but never wait longer than the configured period.
        await sleepQuietly(
          clock,
          Math.min(periodMs, backoffDelay(failures - 1, { initialMs: 5_000, maxMs: periodMs })),
          signal,
        );
        continue;
      }
      if (summary.upToDate) await sleepQuietly(clock, Math.max(0, started + periodMs - clock.now()), signal);
    }
    this.health.phase = 'stopped';
  }

  /** A stream reconnects by itself; it returns when stopped and throws only when it cannot go on. */
  async #runStream(stream: Stream, signal: AbortSignal): Promise<void> {
    const { log, clock, telemetry } = this.#d;
    const h = this.health;
    h.phase = 'running';
    try {
      await stream.run(signal, {
        connected: () => {
          h.lastPullOk = true;
          h.lastError = undefined;
          h.lastSuccessAt = clock.now();
          telemetry.up(true);
        },
        delivered: () => {
          h.lastSuccessAt = clock.now();
        },
        disconnected: (error) => {
          h.lastPullOk = false;
          h.lastError = error;
          telemetry.up(false);
        },
      });
      h.phase = 'stopped';
    } catch (err) {
      h.phase = 'setup-failed';
      h.lastPullOk = false;
      h.lastError = errorMessage(err);
      telemetry.up(false);
      log.error(
        { err: errorMessage(err), code: (err as CollectorError).code },
        'Stopped the service: it cannot go on until its configuration is fixed',
      );
    }
  }
}

async function sleepQuietly(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  try {
    await clock.sleep(ms, signal);
  } catch {
    /* aborted: the caller's loop checks the signal */
  }
}
