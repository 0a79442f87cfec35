// Versioned record storage: every change gets a version number, so a paging cursor can keep reading
// the result set as it was when its first page was served (snapshot semantics), while new, late or
// updated records show up for queries started afterwards.

import type { GraphRecord } from './record-context.ts';

export interface StoredRecord {
  readonly record: GraphRecord;
  /** Canonical sortable key of the time field (see time-format.ts); '' for collections without one. */
  readonly timeKey: string;
  /** Version at which this record became visible. */
  readonly addedIn: number;
  /** Version at which a newer copy replaced it; null while current. */
  removedIn: number | null;
}

export class RecordStore {
  readonly #entries: StoredRecord[] = [];
  readonly #current = new Map<string, StoredRecord>();

  has(id: string): boolean {
    return this.#current.has(id);
  }

  get(id: string): StoredRecord | undefined {
    return this.#current.get(id);
  }

  add(record: GraphRecord, timeKey: string, version: number): void {
    if (this.#current.has(record.id)) throw new Error(`record '${record.id}' already exists`);
    const entry: StoredRecord = { record, timeKey, addedIn: version, removedIn: null };
    this.#entries.push(entry);
    this.#current.set(record.id, entry);
  }

  /** Replaces the current copy of `record.id` from `version` on. */
  replace(record: GraphRecord, timeKey: string, version: number): void {
    const previous = this.#current.get(record.id);
    if (previous === undefined) throw new Error(`record '${record.id}' does not exist`);
    previous.removedIn = version;
    const entry: StoredRecord = { record, timeKey, addedIn: version, removedIn: null };
    this.#entries.push(entry);
    this.#current.set(record.id, entry);
  }

  /** Current records in insertion order. */
  current(): StoredRecord[] {
    return this.#entries.filter((e) => e.removedIn === null);
  }

  /** The records visible at `version`, in insertion order. */
  asOf(version: number): StoredRecord[] {
    return this.#entries.filter(
      (e) => e.addedIn <= version && (e.removedIn === null || e.removedIn > version),
    );
  }
}
