// Bloom-filter dedup for sources that redeliver over days (Management Activity: 7 days), after seed 002
// "Event deduplication": a Bloom filter for the long horizon plus an exact buffer of the most recent
// hashes. The filter is sized for a very low false-positive rate, and the estimated rate is exported,
// because a false positive drops a real event.
import { BloomFilter } from 'bloom-filters';

export interface BloomWindowConfig {
  /** Expected distinct events over the horizon (seeds: override_bloom_filter_size). */
  capacity: number;
  /** Exact recent hashes kept besides the filter (seeds: override_bloom_filter_buffer_size). */
  bufferSize: number;
  /** Target false-positive rate at capacity. */
  errorRate?: number;
}

export interface BloomWindowState {
  filter: unknown;
  buffer: string[];
  inserted: number;
}

export class BloomWindow {
  readonly #config: Required<BloomWindowConfig>;
  #filter: BloomFilter;
  #buffer: string[];
  #bufferSet: Set<string>;
  #inserted: number;

  constructor(config: BloomWindowConfig, state?: BloomWindowState) {
    this.#config = { errorRate: 1e-6, ...config };
    this.#filter = state
      ? BloomFilter.fromJSON(state.filter as never)
      : BloomFilter.create(this.#config.capacity, this.#config.errorRate);
    this.#buffer = state?.buffer.slice(-this.#config.bufferSize) ?? [];
    this.#bufferSet = new Set(this.#buffer);
    this.#inserted = state?.inserted ?? 0;
  }

  has(hash: string): boolean {
    return this.#bufferSet.has(hash) || this.#filter.has(hash);
  }

  add(hash: string): void {
    if (this.#bufferSet.has(hash)) return;
    this.#filter.add(hash);
    this.#inserted++;
    this.#buffer.push(hash);
    this.#bufferSet.add(hash);
    if (this.#buffer.length > this.#config.bufferSize) this.#bufferSet.delete(this.#buffer.shift()!);
    // Past capacity the false-positive rate climbs: start a fresh filter, keeping the exact recent buffer.
    if (this.#inserted >= this.#config.capacity) {
      this.#filter = BloomFilter.create(this.#config.capacity, this.#config.errorRate);
      for (const h of this.#buffer) this.#filter.add(h);
      this.#inserted = this.#buffer.length;
    }
  }

  get fillRatio(): number {
    return this.#inserted / this.#config.capacity;
  }

  /** Estimated false-positive rate now: (1 - e^(-k n / m))^k. */
  get falsePositiveRate(): number {
    const m = this.#filter.size;
    const k = this.#filter._nbHashes;
    return (1 - Math.exp((-k * this.#inserted) / m)) ** k;
  }

  toJSON(): BloomWindowState {
    return { filter: this.#filter.saveAsJSON(), buffer: this.#buffer, inserted: this.#inserted };
  }
}
