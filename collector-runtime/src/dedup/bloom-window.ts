// Bloom-filter dedup for sources that redeliver over days (Management Activity: 7 days), as
// docs/sources/office365-management-activity.md describes: a Bloom filter for the long horizon plus an
// exact buffer of the most recent hashes; at capacity the filter is reset and reseeded from the buffer.
// A false positive silently drops a real event, so the rate at capacity is an explicit setting and the
// estimated rate is exported.
//
// Why not `BloomFilter` from bloom-filters: its has()/add() hash the element twice with xxhashjs, a pure-JS
// 64-bit xxHash on emulated UINT64 objects, so hash + has + add costs 4 such hashes per record (~16k/s,
// docs/sources/office365-management-activity.md "Dedup throughput"). The record already has a
// cryptographic content hash, so the k bit positions come straight from its bytes (enhanced double
// hashing, as bloom-filters does after hashing) and the package's BitSet stores the bits.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
// The BitSet module alone: the package's entry point loads every filter it has (cuckoo, IBLT, sketches,
// xxhashjs, seedrandom), ~10 MiB of RSS in every runtime, since every configuration loads this module.
import bitSetModule from 'bloom-filters/dist/bloom/bit-set.js';

const BitSet = bitSetModule.default;
type BitSet = InstanceType<typeof BitSet>;

/** A record's content hash: 16 bytes held as a 16-character latin1 string (cheap Set key, cheap to slice). */
export type ContentHash = string;
export const CONTENT_HASH_BYTES = 16;

export interface BloomWindowConfig {
  /** Distinct events the filter holds before it is reset (override_bloom_filter_size). */
  capacity: number;
  /** Exact recent hashes kept besides the filter and used to reseed it (override_bloom_filter_buffer_size). */
  bufferSize: number;
  /** False-positive rate when the filter is at capacity (bloom_filter_false_positive_rate). */
  falsePositiveRate: number;
}

/** What persists with a service's checkpoint. Strings, so a JSON state document holds it as is. */
export interface BloomWindowState {
  /**
   * The filter as last snapshotted, its bytes raw-deflated then base64 (a filter short of capacity is
   * mostly zero bits and shrinks many times); absent when it did not fit the state store.
   */
  filter?: { bits: number; hashes: number; inserted: number; content: string };
  /** The recent hashes, oldest first, concatenated and base64-encoded. */
  buffer: string;
}

/** Bits and hash functions for `capacity` items at `rate` (the standard optimum, as bloom-filters computes it). */
export function bloomGeometry(capacity: number, rate: number): { bits: number; hashes: number } {
  const bits = Math.ceil((-capacity * Math.log(rate)) / Math.LN2 ** 2);
  return { bits, hashes: Math.max(1, Math.round((bits / capacity) * Math.LN2)) };
}

function word(h: ContentHash, at: number): number {
  return (
    (h.charCodeAt(at) |
      (h.charCodeAt(at + 1) << 8) |
      (h.charCodeAt(at + 2) << 16) |
      (h.charCodeAt(at + 3) << 24)) >>>
    0
  );
}

export class BloomWindow {
  readonly config: Readonly<BloomWindowConfig>;
  readonly #bits: number;
  readonly #hashes: number;
  #filter: BitSet;
  #inserted = 0;
  /**
   * Ring of the most recent hashes. Every one of them is also in the filter (added with it, reseeded
   * into it after a reset, set again on restore), so membership needs only the filter: the ring is
   * what survives a reset and what persists.
   */
  readonly #ring: (ContentHash | undefined)[];
  #ringNext = 0;
  #ringCount = 0;
  #resets = 0;
  /** Hashes added since the filter was last snapshotted for the state document. */
  #sinceSnapshot = 0;
  #snapshot: BloomWindowState['filter'];
  /** False when no persisted filter could be used (none saved, or saved with another geometry). */
  readonly restoredFilter: boolean;

  constructor(config: BloomWindowConfig, state?: BloomWindowState) {
    this.config = { ...config };
    const { bits, hashes } = bloomGeometry(config.capacity, config.falsePositiveRate);
    this.#bits = bits;
    this.#hashes = hashes;
    this.#ring = new Array<ContentHash | undefined>(config.bufferSize);
    const saved = state?.filter;
    this.#filter = new BitSet(bits);
    this.restoredFilter = saved?.bits === bits && saved.hashes === hashes;
    if (saved && this.restoredFilter) {
      const bytes = inflateRawSync(Buffer.from(saved.content, 'base64'));
      if (bytes.length === this.#filter.array.length) {
        this.#filter.array.set(bytes);
        this.#inserted = saved.inserted;
        this.#snapshot = saved;
      } else this.restoredFilter = false;
    }
    const raw = Buffer.from(state?.buffer ?? '', 'base64').toString('latin1');
    for (let at = 0; at + CONTENT_HASH_BYTES <= raw.length; at += CONTENT_HASH_BYTES) {
      const h = raw.slice(at, at + CONTENT_HASH_BYTES);
      this.#remember(h);
      // Hashes added after the filter snapshot (or all of them, without one) live only in the buffer.
      if (!this.has(h)) {
        this.#setBits(h);
        this.#inserted++;
        this.#sinceSnapshot++;
      }
    }
  }

  /** True when the hash was added before (false positives at the configured rate, no false negatives). */
  has(h: ContentHash): boolean {
    const m = this.#bits;
    const bytes = this.#filter.array;
    let x = word(h, 0) % m;
    let y = word(h, 4) % m;
    for (let i = 0; i < this.#hashes; i++) {
      if ((bytes[x >>> 3]! & (1 << (x & 7))) === 0) return false;
      // x, y < m, so one subtraction replaces the modulo.
      x += y;
      if (x >= m) x -= m;
      y += i;
      if (y >= m) y -= m;
    }
    return true;
  }

  /** Adds a hash the caller found new with has(). */
  add(h: ContentHash): void {
    this.#remember(h);
    this.#setBits(h);
    this.#inserted++;
    this.#sinceSnapshot++;
    // Past capacity the false-positive rate climbs above the configured one: start a fresh filter,
    // reseeded from the exact recent buffer so recent events stay deduplicated.
    if (this.#inserted >= this.config.capacity) {
      this.#filter = new BitSet(this.#bits);
      for (const r of this.#recent()) this.#setBits(r);
      this.#inserted = this.#ringCount;
      this.#resets++;
      this.#snapshot = undefined;
    }
  }

  #setBits(h: ContentHash): void {
    // Enhanced double hashing (Dillinger & Manolios): index_i = h1 + i·h2 + (i³ − i)/6 mod m, computed
    // step by step. Bit x is bit x%8 of byte x/8, the BitSet's own layout (its add() does the same, slower).
    const m = this.#bits;
    const bytes = this.#filter.array;
    let x = word(h, 0) % m;
    let y = word(h, 4) % m;
    for (let i = 0; i < this.#hashes; i++) {
      bytes[x >>> 3] = bytes[x >>> 3]! | (1 << (x & 7));
      x += y;
      if (x >= m) x -= m;
      y += i;
      if (y >= m) y -= m;
    }
  }

  #remember(h: ContentHash): void {
    if (this.config.bufferSize === 0) return;
    this.#ring[this.#ringNext] = h;
    this.#ringNext = (this.#ringNext + 1) % this.config.bufferSize;
    this.#ringCount = Math.min(this.#ringCount + 1, this.config.bufferSize);
  }

  /** Distinct hashes in the filter / capacity: at 1 the filter is reset. */
  get fillRatio(): number {
    return this.#inserted / this.config.capacity;
  }

  /** Estimated false-positive rate now: (1 − e^(−k·n/m))^k. */
  get falsePositiveRate(): number {
    return (1 - Math.exp((-this.#hashes * this.#inserted) / this.#bits)) ** this.#hashes;
  }

  get resets(): number {
    return this.#resets;
  }

  get hashFunctions(): number {
    return this.#hashes;
  }

  /** Bytes of the bit array (what the filter costs in memory). */
  get filterBytes(): number {
    return Math.ceil(this.#bits / 8);
  }

  /** The buffer's hashes, oldest first. */
  #recent(): ContentHash[] {
    const out: ContentHash[] = [];
    for (let i = 0; i < this.#ringCount; i++) {
      const at = (this.#ringNext - this.#ringCount + i + this.config.bufferSize) % this.config.bufferSize;
      out.push(this.#ring[at]!);
    }
    return out;
  }

  /**
   * The state to persist. The filter is re-encoded only when the hashes added since its last snapshot
   * could outgrow the buffer (half of it), so most checkpoints reuse the previous snapshot: what persists
   * (snapshot + buffer) always covers every hash added. `budgetBytes` limits the encoded size (ConfigMap
   * store): the filter is left out if it does not fit, and the buffer keeps its newest hashes that fit.
   */
  toState(budgetBytes = Infinity): BloomWindowState & { complete: boolean } {
    if (this.#snapshot === undefined || this.#sinceSnapshot * 2 >= this.config.bufferSize) {
      const bits = this.#filter.array;
      this.#snapshot = {
        bits: this.#bits,
        hashes: this.#hashes,
        inserted: this.#inserted,
        content: deflateRawSync(Buffer.from(bits.buffer, bits.byteOffset, bits.length), {
          level: 1,
        }).toString('base64'),
      };
      this.#sinceSnapshot = 0;
    }
    const withFilter = this.#snapshot.content.length + 200 <= budgetBytes;
    const left = budgetBytes - (withFilter ? this.#snapshot.content.length + 200 : 0);
    const fits = Math.max(0, Math.floor(((left / 4) * 3) / CONTENT_HASH_BYTES));
    const recent = this.#recent();
    const kept = recent.length <= fits ? recent : recent.slice(recent.length - fits);
    return {
      ...(withFilter ? { filter: this.#snapshot } : {}),
      buffer: Buffer.from(kept.join(''), 'latin1').toString('base64'),
      complete: withFilter && kept.length === recent.length,
    };
  }

  toJSON(): BloomWindowState {
    const { complete: _complete, ...state } = this.toState();
    return state;
  }
}
