// What a source is: its input-level settings, its services (each with a puller, or a stream when the
// vendor pushes), and its tags.
// A new source is one folder with a definition like this plus one line in registry.ts.
import type { Logger } from '../logging/logger.ts';
import type { Clock } from '../core/clock.ts';
import type { Parsed, Rule, Shape, Walk } from '../config/schema.ts';
import type { ServiceTelemetry } from '../metrics/service-telemetry.ts';
import type { HttpClientFactory } from '../core/http/client.ts';
import type { ClientCredentials } from '../core/http/oauth-client-credentials.ts';

/** One event for the output: the Devo tag and the record as it will be serialised (JSON object). */
export interface OutEvent {
  tag: string;
  record: Record<string, unknown>;
}

/** The settings every input takes (config/input-schema.ts COMMON_INPUT_SETTINGS), parsed. */
export interface CommonInputSettings {
  id: string;
  enabled: boolean;
  requests_per_second?: number;
  environment?: string;
}

/** The validated config of one input instance (credentials resolved, defaults applied), untyped view. */
export interface InputConfig extends CommonInputSettings {
  credentials: Record<string, string>;
  [setting: string]: unknown;
}

/** The settings every service takes (config/service-schema.ts), parsed. */
export interface CommonServiceSettings {
  request_period_in_seconds: number;
  start_time_in_utc?: number;
  reset_persistence_auth?: string | number | boolean;
  override_tag?: string;
  enabled?: boolean;
}

/** The validated config of one service, untyped view (the runtime's). */
export interface ServiceConfig extends CommonServiceSettings {
  [setting: string]: unknown;
}

/**
 * Typed settings: what a puller receives for an input declared with settings shape `Own` and
 * credentials shape `Creds`, inferred from the shapes (defaults applied, so defaulted fields are set).
 */
export type InputSettings<Own extends Shape = {}, Creds extends Shape = {}> = CommonInputSettings &
  Parsed<Own> & { credentials: Parsed<Creds> };

/** Typed settings of a service declared with settings shape `Own`. */
export type ServiceSettings<Own extends Shape = {}> = CommonServiceSettings & Parsed<Own>;

/**
 * What a puller gets. `service` and `input` were validated against exactly the shapes its definition
 * declares, so their types are inferred from those shapes (see ServiceDefinition).
 */
export interface PullerContext<S = unknown, Svc = ServiceConfig, In = InputConfig> {
  readonly inputName: string;
  readonly serviceName: string;
  readonly input: In;
  readonly service: Svc;
  readonly log: Logger;
  readonly clock: Clock;
  readonly telemetry: ServiceTelemetry;
  readonly http: HttpClientFactory;
  /** What the state store can hold for all services together (ConfigMap: 1 MiB); undefined = no limit. */
  readonly stateLimitBytes?: number;
  /** The state saved by the last commit, after migration; undefined on first run or after a reset. */
  readonly state: S | undefined;
  /**
   * Delivers events to every output and, only once they are written to the connections,
   * saves `nextState` as the checkpoint. The one way to move a checkpoint: it cannot run ahead of delivery.
   */
  commit(events: readonly OutEvent[], nextState: S): Promise<void>;
}

export interface PullSummary {
  requests: number;
  received: number;
  duplicates: number;
  sent: number;
  /** True when the service has caught up with the present (the product documents' "data is up to date"). */
  upToDate: boolean;
}

export interface Puller {
  /** Authenticate and check the source is pullable (the product documents' SetupError 101/102). */
  setup(signal: AbortSignal): Promise<void>;
  pull(signal: AbortSignal): Promise<PullSummary>;
}

/**
 * One service of a source. `S` is its checkpoint, `Own` its settings shape (declare it
 * `satisfies Shape`), `In` the typed settings of its input (InputSettings<…>): createPuller then
 * receives `ctx.service` as ServiceSettings<Own> and `ctx.input` as `In`, with no casts.
 */
export interface ServiceDefinition<S = unknown, Own extends Shape = Shape, In = InputConfig> {
  description: string;
  /** Service-level settings besides the common ones (request_period_in_seconds, start_time_in_utc, …). */
  settings: Own;
  /** Settings of the common set this service does not take (e.g. non-time-based services: start_time_in_utc). */
  omit?: readonly string[];
  defaultRequestPeriodSeconds: number;
  minRequestPeriodSeconds: number;
  /** The Devo tag(s) written when override_tag is not set, for docs and validation messages. */
  defaultTags: readonly string[];
  stateVersion: number;
  /** Upgrades a state document of an older layout; returns undefined when it cannot be used. */
  migrateState?(old: unknown, fromVersion: number): S | undefined;
  /** Cross-field checks after the service's settings parsed (report with fail(walk, …)). */
  validate?(service: ServiceSettings<Own>, path: string, walk: Walk): void;
  /** A polled service: set up once, then pulled every request_period_in_seconds. */
  createPuller?(ctx: PullerContext<S, ServiceSettings<Own>, In>): Puller;
  /** A pushed service (WebSocket, see core/streaming/): runs until stopped; the runner skips the pull loop. */
  createStream?(ctx: PullerContext<S, ServiceSettings<Own>, In>): Stream;
}

/** A source that delivers by itself (the vendor pushes): it commits through ctx.commit like a puller. */
export interface Stream {
  /** Runs until `signal` aborts; throws a non-retryable CollectorError when it cannot go on (e.g. refused credentials). */
  run(signal: AbortSignal, health: StreamHealth): Promise<void>;
}

/** How a stream tells the service's health (readiness, status) what its connection does. */
export interface StreamHealth {
  connected(): void;
  delivered(): void;
  disconnected(error: string): void;
}

export interface InputDefinition {
  name: string;
  stability: 'alpha' | 'beta' | 'stable';
  description: string;
  credentials: Shape;
  /** Input-level settings besides id, enabled, credentials, services, environment, requests_per_second. */
  settings: Shape;
  /** Each service has its own state and settings types. */
  services: Record<string, ServiceDefinition<any, any, any>>;
  /**
   * Its state outgrows a ConfigMap (1 MiB for a whole collector): the operator gives a Collector of this
   * source a PersistentVolumeClaim unless its spec.persistence says otherwise.
   */
  prefersVolumeState?: boolean;
  /** Recognises an older config layout and explains how to migrate it (returns problems, or none). */
  detectLegacy?(raw: Record<string, unknown>, path: string, walk: Walk): void;
  /** Cross-field checks after the settings parsed (e.g. mutually exclusive options). */
  validate?(input: InputConfig, path: string, walk: Walk): void;
  /** The token requests the input's services make (for `devo-collector validate --check-credentials`). */
  tokenRequests?(
    input: InputConfig,
    services: readonly { name: string; config: ServiceConfig }[],
  ): ClientCredentials[];
}

export type AnyRule = Rule<unknown>;
