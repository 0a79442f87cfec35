// The simulated tenant's data: what each service serves, and how tests add to it.

import { endpointForService, type GraphService } from './endpoints.ts';
import { Prng } from '../../support/prng.ts';
import { RecordFactory, sampleRecord, type GraphRecord } from './records.ts';
import { RecordStore, type StoredRecord } from './record-store.ts';
import { isInteractiveSignIn, v1SignIn } from './sign-in-records.ts';
import { DAY_MS, isoDay, timeKey } from './time-format.ts';

export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

/** signIns (v1.0) and signIns_v2 (beta) read one store; every other service has its own. */
function storeName(service: GraphService): string {
  return service === 'signIns_v2' ? 'signIns' : service;
}

export class GraphData {
  readonly #factory: RecordFactory;
  readonly #seed: number;
  readonly #tenantId: string;
  readonly #stores = new Map<string, RecordStore>();
  readonly #timeStreams = new Map<GraphService, Prng>();
  readonly #properties = new Map<GraphService, ReadonlySet<string>>();
  #version = 0;

  constructor(seed: number, tenantId: string, now: number) {
    this.#seed = seed;
    this.#tenantId = tenantId;
    this.#factory = new RecordFactory(seed, tenantId);
    const profiles = this.#store('secure_score_control_profiles');
    for (const record of this.#factory.controlProfileCatalogue(now)) profiles.add(record, '', this.#version);
  }

  /** Increases with every change; paging cursors pin the version their first page saw. */
  get version(): number {
    return this.#version;
  }

  #store(service: GraphService): RecordStore {
    const name = storeName(service);
    let store = this.#stores.get(name);
    if (store === undefined) {
      store = new RecordStore();
      this.#stores.set(name, store);
    }
    return store;
  }

  #timeKeyOf(service: GraphService, record: GraphRecord): string {
    const field = endpointForService(service).timeField;
    if (field === null) return '';
    const value = record[field];
    const key = typeof value === 'string' ? timeKey(value) : null;
    if (key === null) throw new Error(`generated ${service} record has no valid ${field}`);
    return key;
  }

  /** Creates one record, retrying on the (unlikely) id clash so ids stay unique per service. */
  #create(service: GraphService, at: number, exact: boolean): GraphRecord {
    const store = this.#store(service);
    for (let attempt = 0; attempt < 10; attempt++) {
      const record = this.#factory.create(service, at, exact);
      if (!store.has(record.id)) return record;
    }
    throw new Error(`could not generate a unique ${service} id`);
  }

  #commit(service: GraphService, records: GraphRecord[]): GraphRecord[] {
    if (records.length === 0) return records;
    this.#version += 1;
    const store = this.#store(service);
    for (const record of records) store.add(record, this.#timeKeyOf(service, record), this.#version);
    return records.map((r) => this.view(service, r));
  }

  addRecords(service: GraphService, count: number, range: TimeRange): GraphRecord[] {
    if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
    const lo = Math.ceil(range.from);
    const hi = Math.ceil(range.to);
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi <= lo)
      throw new RangeError('range.to must be after range.from');
    if (service === 'secure_scores') return this.#commit(service, this.#dailyScores(count, lo, hi));
    let times = this.#timeStreams.get(service);
    if (times === undefined) {
      times = Prng.derive(this.#seed, `${service}:times`);
      this.#timeStreams.set(service, times);
    }
    const records: GraphRecord[] = [];
    for (let i = 0; i < count; i++) records.push(this.#create(service, times.int(lo, hi), false));
    return this.#commit(service, records);
  }

  /** Up to `count` days in [lo, hi) that have no score yet, spread over the range, oldest first. */
  #dailyScores(count: number, lo: number, hi: number): GraphRecord[] {
    const store = this.#store('secure_scores');
    const days: number[] = [];
    for (let day = Math.ceil(lo / DAY_MS) * DAY_MS; day < hi; day += DAY_MS) {
      if (!store.has(`${this.#tenantId}_${isoDay(day)}`)) days.push(day);
    }
    const step = days.length / Math.min(count, days.length);
    const chosen =
      count >= days.length ? days : Array.from({ length: count }, (_, i) => days[Math.floor(i * step)] ?? 0);
    return chosen.map((day) => this.#factory.create('secure_scores', day));
  }

  /** Records stamped exactly `at` (typically behind a collector's watermark) that exist only from now on. */
  insertLate(service: GraphService, count: number, at: number): GraphRecord[] {
    if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
    if (service === 'secure_scores') {
      // One score per day: at most the score of `at`'s day, if that day has none yet.
      const day = Math.floor(at / DAY_MS) * DAY_MS;
      return this.#commit(service, this.#dailyScores(Math.min(count, 1), day, day + 1));
    }
    const records: GraphRecord[] = [];
    for (let i = 0; i < count; i++) records.push(this.#create(service, at, true));
    return this.#commit(service, records);
  }

  updateAlertV2(id: string, at: number): GraphRecord {
    const store = this.#store('alerts_v2');
    const previous = store.get(id);
    if (previous === undefined) throw new Error(`alerts_v2 has no alert '${id}'`);
    const next = this.#factory.nextAlertV2Version(previous.record, at);
    this.#version += 1;
    store.replace(next, this.#timeKeyOf('alerts_v2', next), this.#version);
    return next;
  }

  /** What `service` currently serves (ignoring filters), in insertion order. */
  records(service: GraphService): GraphRecord[] {
    let entries = this.#store(service).current();
    if (service === 'signIns') entries = entries.filter((e) => isInteractiveSignIn(e.record));
    return entries.map((e) => this.view(service, e.record));
  }

  /** Raw stored entries behind `service` visible at `version` (beta-shaped for sign-ins). */
  snapshot(service: GraphService, version: number): StoredRecord[] {
    return this.#store(service).asOf(version);
  }

  /** A stored record as `service` serves it: v1.0 sign-ins drop the beta-only properties. */
  view(service: GraphService, record: GraphRecord): GraphRecord {
    return service === 'signIns' ? v1SignIn(record) : record;
  }

  /** Top-level property names of the entity `service` serves, for `$filter`/`$select` validation. */
  properties(service: GraphService): ReadonlySet<string> {
    let names = this.#properties.get(service);
    if (names === undefined) {
      names = new Set(Object.keys(this.view(service, sampleRecord(service, this.#tenantId))));
      this.#properties.set(service, names);
    }
    return names;
  }
}
