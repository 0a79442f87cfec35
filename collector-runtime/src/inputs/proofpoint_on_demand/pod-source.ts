// One PoD stream, (token, type): live by default; a catch-up replay (`sinceTime`) only when the stream
// was away longer than the server keeps a session's place (an hour), or for a configured start_time,
// then live again. Frames are one JSON object each; duplicates (the API sends some, catch-ups overlap,
// resumes after drops repeat) are filtered by guid (message) or id (maillog) for two hours of event
// time. The checkpoint is the newest instant delivered.
import type { OutEvent, PullerContext } from '../definition.ts';
import type { HandshakeFailure, StreamRequest, StreamSource } from '../../core/streaming/stream-source.ts';
import { RecentKeys } from '../../dedup/recent-keys.ts';
import { eventKey } from '../../dedup/event-key.ts';
import { truncate } from '../../core/errors.ts';
import { classifyHandshake } from './pod-handshake.ts';
import { apiTime, floorHour, HOUR_MS, instantMicros } from './pod-time.ts';
import type { PodState } from './pod-state.ts';

/** How long the server keeps a session's place: reconnecting later gives only its last hour. */
export const SERVER_RESUME_MS = HOUR_MS;
/** How far back a catch-up may start (older values get HTTP 400). */
export const ARCHIVE_MS = 30 * 24 * HOUR_MS;
/** Duplicates are filtered within this much event time (the product: an hour; two, because the vendor resumes a dropped session up to an hour back and late frames follow). */
export const DEDUP_WINDOW_US = 2 * HOUR_MS * 1000;
/** A memory bound on the duplicate filter for very busy clusters (~100 bytes per id). */
const MAX_REMEMBERED_IDS = 500_000;
/** Ids kept in the checkpoint: bounded so the state document stays small (ConfigMap stores share 1 MiB). */
export const PERSISTED_IDS = 4_000;
const PRUNE_EVERY = 10_000;

export interface PodStreamSpec {
  type: 'message' | 'maillog';
  /** The field that identifies an event: guid (message), id (maillog). */
  keyField: string;
  tag: string;
  url: string;
  clusterId: string;
  apiKey: string;
  /** The configured start_time (ms), if any. */
  startTimeMs?: number;
}

export class PodSource implements StreamSource<PodState> {
  readonly #ctx: PullerContext<PodState, unknown, unknown>;
  readonly #spec: PodStreamSpec;
  readonly #startTime: string | null;
  readonly #seen = new RecentKeys();
  /** The last PERSISTED_IDS ids delivered, in delivery order. */
  readonly #recent = new Map<string, number>();
  #recentSince: number | undefined;
  /** From the loaded state: during a catch-up, events at or before this instant were delivered before. */
  readonly #coveredUntil: number | undefined;
  #checkpoint: { ts: string; instant_us: number } | undefined;
  #liveUntil: number | undefined;
  #liveOpen = false;
  #catchUpFrom: number | undefined;
  #current: StreamRequest | undefined;
  #openedAt = 0;
  #newest = 0;
  #added = 0;
  #unparsed = 0;

  constructor(ctx: PullerContext<PodState, unknown, unknown>, spec: PodStreamSpec) {
    this.#ctx = ctx;
    this.#spec = spec;
    this.#startTime = spec.startTimeMs !== undefined ? new Date(spec.startTimeMs).toISOString() : null;
    let state = ctx.state;
    if (state && state.start_time !== undefined && state.start_time !== this.#startTime) {
      ctx.telemetry.stateReset();
      ctx.log.warn(
        { previous: state.start_time, current: this.#startTime },
        'Replaced the persisted state because start_time changed',
      );
      state = undefined;
    }
    const now = ctx.clock.now();
    if (!state) {
      this.#catchUpFrom = spec.startTimeMs;
      this.#coveredUntil = undefined;
      return;
    }
    this.#checkpoint = state.checkpoint;
    this.#newest = state.checkpoint?.instant_us ?? 0;
    this.#liveUntil = state.live_until ? Date.parse(state.live_until) : undefined;
    for (const [key, at] of state.recent_ids) this.#remember(key, at);
    this.#recentSince = state.recent_ids_since_us;
    this.#coveredUntil =
      state.recent_ids.length > 0 ? state.recent_ids_since_us : state.checkpoint?.instant_us;
    // Never live yet (a start_time catch-up was under way), away longer than the server keeps our
    // place, or the last run ended without closing its connection (received frames may be undelivered).
    if (this.#liveUntil === undefined || now - this.#liveUntil > SERVER_RESUME_MS || state.live_open)
      this.#catchUpFrom = this.#resumePoint() ?? spec.startTimeMs;
  }

  #resumePoint(): number | undefined {
    if (this.#checkpoint) return Math.floor(this.#checkpoint.instant_us / 1000);
    return this.#liveUntil;
  }

  nextRequest(): StreamRequest {
    const now = this.#ctx.clock.now();
    if (
      this.#catchUpFrom === undefined &&
      this.#liveUntil !== undefined &&
      now - this.#liveUntil > SERVER_RESUME_MS
    ) {
      this.#catchUpFrom = this.#resumePoint();
      this.#ctx.log.warn(
        { awaySeconds: Math.round((now - this.#liveUntil) / 1000) },
        'The stream was away longer than the server keeps its place: catching up before going live',
      );
    }
    const url = new URL(this.#spec.url);
    url.searchParams.set('cid', this.#spec.clusterId);
    url.searchParams.set('type', this.#spec.type);
    const headers = { Authorization: `Bearer ${this.#spec.apiKey}` };
    if (this.#catchUpFrom === undefined) return { url: url.href, headers, finite: false, purpose: 'live' };
    let since = floorHour(this.#catchUpFrom);
    const oldest = now - ARCHIVE_MS;
    if (since < oldest) {
      since = floorHour(oldest) + HOUR_MS;
      this.#ctx.log.warn(
        { wanted: new Date(this.#catchUpFrom).toISOString(), from: new Date(since).toISOString() },
        'The catch-up would start before the 30 days the API keeps: starting at the oldest full hour it has',
      );
      this.#catchUpFrom = since;
    }
    // URLSearchParams percent-encodes the offset's `+`, which would otherwise decode to a space.
    url.searchParams.set('sinceTime', apiTime(since));
    return {
      url: url.href,
      headers,
      finite: true,
      purpose: `catch-up since ${new Date(since).toISOString()}`,
    };
  }

  opened(request: StreamRequest): void {
    this.#current = request;
    this.#openedAt = this.#ctx.clock.now();
    if (!request.finite) {
      this.#liveOpen = true;
      this.#liveUntil = this.#openedAt;
    }
  }

  ended(request: StreamRequest, outcome: { opened: boolean; completed: boolean }): void {
    this.#current = undefined;
    if (!request.finite && outcome.opened) {
      this.#liveOpen = false;
      this.#liveUntil = this.#ctx.clock.now();
    }
    if (request.finite && outcome.completed) {
      // The replay covered everything up to when it opened: no gap is left before that.
      this.#liveUntil = this.#openedAt;
      this.#catchUpFrom = undefined;
      this.#ctx.log.info({ purpose: request.purpose }, 'Caught up: going live');
    }
  }

  decode(frame: Buffer): OutEvent[] {
    const text = frame.toString('utf8').trim();
    if (text === '') return [];
    const { telemetry } = this.#ctx;
    telemetry.received(1);
    let record: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new Error('not a JSON object');
      record = parsed as Record<string, unknown>;
    } catch (err) {
      // Kept, not dropped: Devo gets the frame as text under a field that says why.
      if (this.#unparsed++ % 1000 === 0)
        this.#ctx.log.warn(
          { err: (err as Error).message, sample: truncate(text, 200), count: this.#unparsed },
          'Received a frame that is not a JSON object: sent as unparsed_frame',
        );
      return [{ tag: this.#spec.tag, record: { unparsed_frame: text } }];
    }
    const id = record[this.#spec.keyField];
    const key = typeof id === 'string' && id !== '' ? id : `sha256:${eventKey(record)}`;
    const instant = instantMicros(record.ts);
    if (this.#seen.has(key) || this.#covered(instant)) {
      telemetry.duplicates(1);
      return [];
    }
    const at = instant ?? this.#ctx.clock.now() * 1000;
    this.#remember(key, at);
    if (at > this.#newest) this.#newest = at;
    if (++this.#added % PRUNE_EVERY === 0) {
      this.#seen.prune(this.#newest - DEDUP_WINDOW_US);
      this.#seen.limit(MAX_REMEMBERED_IDS);
    }
    if (instant !== undefined && (!this.#checkpoint || instant > this.#checkpoint.instant_us)) {
      this.#checkpoint = { ts: String(record.ts), instant_us: instant };
    }
    return [{ tag: this.#spec.tag, record }];
  }

  /** In a catch-up, an event the loaded checkpoint covers but whose id was not kept. */
  #covered(instant: number | undefined): boolean {
    return (
      this.#current?.finite === true &&
      instant !== undefined &&
      this.#coveredUntil !== undefined &&
      instant <= this.#coveredUntil
    );
  }

  #remember(key: string, at: number): void {
    this.#seen.add(key, at);
    this.#recent.set(key, at);
    if (this.#recent.size <= PERSISTED_IDS) return;
    for (const [oldest, t] of this.#recent) {
      this.#recent.delete(oldest);
      if (this.#recentSince === undefined || t > this.#recentSince) this.#recentSince = t;
      break;
    }
  }

  checkpoint(): PodState {
    const state: PodState = { start_time: this.#startTime, recent_ids: [...this.#recent] };
    if (this.#checkpoint) {
      state.checkpoint = { ...this.#checkpoint };
      this.#ctx.telemetry.checkpoint(this.#checkpoint.instant_us / 1000);
    }
    const liveUntil = this.#liveOpen ? this.#ctx.clock.now() : this.#liveUntil;
    if (liveUntil !== undefined) state.live_until = new Date(liveUntil).toISOString();
    if (this.#liveOpen) state.live_open = true;
    this.#ctx.telemetry.dedupFill(this.#seen.size / MAX_REMEMBERED_IDS);
    if (this.#recentSince !== undefined) state.recent_ids_since_us = this.#recentSince;
    return state;
  }

  handshakeFailed(failure: HandshakeFailure, request: StreamRequest) {
    return classifyHandshake(failure, {
      url: request.url,
      clusterId: this.#spec.clusterId,
      path: `inputs.${this.#ctx.inputName}`,
    });
  }
}
