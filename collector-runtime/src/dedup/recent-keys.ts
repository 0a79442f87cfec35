// A time-bounded exact set: remembers each key with the event time it belongs to and forgets keys older
// than the horizon. Serialisable, so it is checkpointed together with the watermark it protects.

export class RecentKeys {
  #keys = new Map<string, number>();

  static from(entries: Iterable<readonly [string, number]> | undefined): RecentKeys {
    const set = new RecentKeys();
    for (const [k, t] of entries ?? []) if (typeof k === 'string' && Number.isFinite(t)) set.#keys.set(k, t);
    return set;
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  add(key: string, eventTimeMs: number): void {
    const prev = this.#keys.get(key);
    if (prev === undefined || eventTimeMs > prev) this.#keys.set(key, eventTimeMs);
  }

  /** Forgets keys whose event time is before `horizonMs`: no query will return them again. */
  prune(horizonMs: number): void {
    for (const [k, t] of this.#keys) if (t < horizonMs) this.#keys.delete(k);
  }

  /** Keeps at most `max` keys, forgetting the earliest added: a memory bound when keys come faster than they expire. */
  limit(max: number): void {
    for (const k of this.#keys.keys()) {
      if (this.#keys.size <= max) return;
      this.#keys.delete(k);
    }
  }

  get size(): number {
    return this.#keys.size;
  }

  clone(): RecentKeys {
    return RecentKeys.from(this.#keys);
  }

  toJSON(): [string, number][] {
    return [...this.#keys];
  }
}
