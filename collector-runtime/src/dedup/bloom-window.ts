// Bloom-filter dedup for sources that redeliver over days (Management Activity: 7 days), as
// docs/sources/office365-management-activity.md describes: a Bloom filter for the long horizon plus an
// exact buffer of the most recent hashes; at capacity the filter is reset and reseeded from the buffer.
// A false positive silently drops a real event, so the rate at capacity is an explicit setting and the
// estimated rate is exported.
//
// Why not `BloomFilter` from bloom-filters: its has()/add() hash the element twice with xxhashjs, a pure-JS
// 64-bit xxHash on emulated UINT64 objects, so hash + has + add costs 4 such hashes per record (~16k/s).
// The record already has a cryptographic content hash, so the bit positions come straight from its bytes
// and the package's BitSet stores the bits.
//
// Why blocked: a classic filter at 10M/1e-6 reads 20 random bits of 34 MiB per check, 20 cache misses
// (~3.4 µs, more than the SHA-256 of the record). Here a key's bits sit in two 64-byte blocks (one cache
// line each), chosen by the hash: two misses. One block per key would need 45.9 MiB at 10M/1e-6 (its
// blocks fill unevenly, so it needs more bits for the same rate); two blocks need 36.9 MiB, within the
// 40 MiB budget. The geometry comes from the exact rate of this layout (bloomGeometry below).
import { deflateRawSync, inflateRawSync } from 'node:zlib';
// The BitSet module alone: the package's entry point loads every filter it has (cuckoo, IBLT, sketches,
// xxhashjs, seedrandom), ~10 MiB of RSS in every runtime, since every configuration loads this module.
import bitSetModule from 'bloom-filters/dist/bloom/bit-set.js';

const BitSet = bitSetModule.default;
type BitSet = InstanceType<typeof BitSet>;

/** A record's content hash: 16 bytes held as a 16-character latin1 string (cheap Set key, cheap to slice). */
export type ContentHash = string;
export const CONTENT_HASH_BYTES = 16;

/**
 * The persisted filter's layout. A filter saved with another layout (or none: the classic layout of
 * earlier versions) is not loaded; the filter is rebuilt from the saved buffer of recent hashes, as after
 * a reset at capacity.
 */
export const FILTER_FORMAT = 'blocked-2x512';
const BLOCK_BITS = 512;
const BLOCK_BYTES = BLOCK_BITS / 8;
/** Odd multipliers of the multiply-shift hashes that place a key's bits in a block (the first 8 are Parquet's). */
const SALTS = Uint32Array.of(
  0x47b6137b,
  0x44974d91,
  0x8824ad5b,
  0xa2b7289d,
  0x705495c7,
  0x2df1424b,
  0x9efc4947,
  0x5c6bfb31,
  0x9e3779b1,
  0x85ebca77,
  0xc2b2ae3d,
  0x27d4eb2f,
  0x165667b1,
  0xd3a2646d,
  0xfd7046c5,
  0xb55a4f09,
  0x6c8e9cf5,
  0x7feb352d,
  0x846ca68b,
  0xe6546b65,
  0x4cf5ad43,
  0x2545f491,
  0x1b873593,
  0xcc9e2d51,
);

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
   * mostly zero bits and shrinks many times); absent when it did not fit the state store. `format`
   * is FILTER_FORMAT (absent in states written before it existed).
   */
  filter?: { format?: string; bits: number; hashes: number; inserted: number; content: string };
  /** The recent hashes, oldest first, concatenated and base64-encoded. */
  buffer: string;
}

export interface BloomGeometry {
  /** 64-byte blocks in the filter. */
  blocks: number;
  /** Bits set per key in each of its two blocks. */
  bitsPerBlock: number;
  /** Bits in the filter (blocks × 512). */
  bits: number;
  /** Bits set per key (2 × bitsPerBlock). */
  hashes: number;
}

/**
 * False-positive rate of this layout holding `inserted` keys: a key sets `bitsPerBlock` bits in each of
 * two blocks, so a block holds Poisson(λ = 2·inserted/blocks) keys' bits, and a new key is a false
 * positive when its bits are set in both its blocks:
 *   fp = (Σ_c Poisson(c; λ) · (1 − (1 − 1/512)^(k·c))^k)², k = bitsPerBlock
 * (the blocked-filter analysis of Putze, Sanders & Singler, "Cache-, Hash- and Space-Efficient Bloom
 * Filters", applied to each of the two blocks).
 */
export function blockedFalsePositiveRate(inserted: number, blocks: number, bitsPerBlock: number): number {
  const lambda = (2 * inserted) / blocks;
  if (lambda === 0) return 0;
  const unset = 1 - 1 / BLOCK_BITS;
  const last = Math.ceil(lambda + 12 * Math.sqrt(lambda) + 30);
  let logPoisson = -lambda; // ln P(c = 0)
  let perBlock = 0;
  for (let c = 0; c <= last; c++) {
    if (c > 0) logPoisson += Math.log(lambda / c);
    perBlock += Math.exp(logPoisson) * (1 - unset ** (bitsPerBlock * c)) ** bitsPerBlock;
  }
  return Math.min(1, perBlock ** 2);
}

/**
 * The smallest filter of this layout whose false-positive rate at `capacity` keys is ≤ `rate`, and the
 * bits per block that achieve it (at 10M and 1e-6: 9 per block, 36.9 MiB).
 */
export function bloomGeometry(capacity: number, rate: number): BloomGeometry {
  const key = `${capacity}/${rate}`;
  let geometry = geometries.get(key);
  if (geometry === undefined) geometries.set(key, (geometry = searchGeometry(capacity, rate)));
  return geometry;
}

/** The search costs ~10-40 ms: each window (and each rollback) of a service reuses its result. */
const geometries = new Map<string, BloomGeometry>();

function searchGeometry(capacity: number, rate: number): BloomGeometry {
  // A blocked filter never beats the classic one: its size is the lower bound of the search.
  const classicBits = (-capacity * Math.log(rate)) / Math.LN2 ** 2;
  const atLeast = Math.max(1, Math.ceil(classicBits / BLOCK_BITS));
  let best: BloomGeometry | undefined;
  for (let k = 1; k <= SALTS.length; k++) {
    const fits = (blocks: number) => blockedFalsePositiveRate(capacity, blocks, k) <= rate;
    let lo = atLeast - 1; // known not to fit (below the bound)
    let hi = atLeast;
    while (!fits(hi)) {
      lo = hi;
      hi *= 2;
    }
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (fits(mid)) hi = mid;
      else lo = mid;
    }
    if (best === undefined || hi < best.blocks)
      best = { blocks: hi, bitsPerBlock: k, bits: hi * BLOCK_BITS, hashes: 2 * k };
  }
  return best!;
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
  readonly geometry: Readonly<BloomGeometry>;
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
  /** Why no persisted filter was used: none saved, or saved with another format or geometry. */
  readonly filterRebuilt: 'none saved' | 'other format' | 'other geometry' | undefined;

  constructor(config: BloomWindowConfig, state?: BloomWindowState) {
    this.config = { ...config };
    this.geometry = bloomGeometry(config.capacity, config.falsePositiveRate);
    const { bits, hashes } = this.geometry;
    this.#ring = new Array<ContentHash | undefined>(config.bufferSize);
    this.#filter = new BitSet(bits);
    const saved = state?.filter;
    this.filterRebuilt =
      saved === undefined
        ? 'none saved'
        : saved.format !== FILTER_FORMAT
          ? 'other format'
          : saved.bits !== bits || saved.hashes !== hashes
            ? 'other geometry'
            : undefined;
    if (saved && this.filterRebuilt === undefined) {
      const bytes = inflateRawSync(Buffer.from(saved.content, 'base64'));
      if (bytes.length === this.#filter.array.length) {
        this.#filter.array.set(bytes);
        this.#inserted = saved.inserted;
        this.#snapshot = saved;
      } else this.filterRebuilt = 'other geometry';
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

  /** True when a persisted filter was loaded (false: rebuilt from the buffer, see filterRebuilt). */
  get restoredFilter(): boolean {
    return this.filterRebuilt === undefined;
  }

  /** Byte offset of the block that 32-bit hash word `w` selects (multiply-shift onto [0, blocks)). */
  #block(w: number): number {
    const blocks = this.geometry.blocks;
    return Math.min(blocks - 1, Math.floor((w * blocks) / 4294967296)) * BLOCK_BYTES;
  }

  /** True when the hash was added before (false positives at the configured rate, no false negatives). */
  has(h: ContentHash): boolean {
    // Hash bytes 0-3 and 4-7 pick the two blocks, bytes 8-11 and 12-15 the bits within each.
    const bytes = this.#filter.array;
    const k = this.geometry.bitsPerBlock;
    let base = this.#block(word(h, 0));
    let w = word(h, 8);
    for (let i = 0; i < k; i++) {
      const bit = Math.imul(w, SALTS[i]!) >>> 23;
      if ((bytes[base + (bit >>> 3)]! & (1 << (bit & 7))) === 0) return false;
    }
    base = this.#block(word(h, 4));
    w = word(h, 12);
    for (let i = 0; i < k; i++) {
      const bit = Math.imul(w, SALTS[i]!) >>> 23;
      if ((bytes[base + (bit >>> 3)]! & (1 << (bit & 7))) === 0) return false;
    }
    return true;
  }

  /** Adds a hash the caller found new with has(). */
  add(h: ContentHash): void {
    this.#setBits(h);
    this.#counted(h);
  }

  /** A new hash is in the filter: remember it, count it, and reset the filter at capacity. */
  #counted(h: ContentHash): void {
    this.#remember(h);
    this.#inserted++;
    this.#sinceSnapshot++;
    // Past capacity the false-positive rate climbs above the configured one: start a fresh filter,
    // reseeded from the exact recent buffer so recent events stay deduplicated.
    if (this.#inserted >= this.config.capacity) {
      this.#filter = new BitSet(this.geometry.bits);
      for (const r of this.#recent()) this.#setBits(r);
      this.#inserted = this.#ringCount;
      this.#resets++;
      this.#snapshot = undefined;
    }
  }

  /**
   * has() and add() in one pass over the two blocks (the dedup's hot path): adds the hash unless it was
   * there; true when it was (a duplicate, or a false positive at the configured rate).
   */
  addIfNew(h: ContentHash): boolean {
    const added = this.#setBits(h);
    if (added) this.#counted(h);
    return !added;
  }

  /** Sets the hash's bits; true when at least one was not set before (the hash is new). */
  #setBits(h: ContentHash): boolean {
    const a = this.#setInBlock(this.#block(word(h, 0)), word(h, 8));
    const b = this.#setInBlock(this.#block(word(h, 4)), word(h, 12));
    return a || b;
  }

  #setInBlock(base: number, w: number): boolean {
    // Bit b of a block is bit b%8 of its byte b/8: the BitSet's own layout (its add() does the same, slower).
    const bytes = this.#filter.array;
    let changed = false;
    for (let i = 0; i < this.geometry.bitsPerBlock; i++) {
      const bit = Math.imul(w, SALTS[i]!) >>> 23;
      const at = base + (bit >>> 3);
      const was = bytes[at]!;
      const now = was | (1 << (bit & 7));
      if (now !== was) {
        bytes[at] = now;
        changed = true;
      }
    }
    return changed;
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

  /** Estimated false-positive rate now, for the keys in the filter (blockedFalsePositiveRate). */
  get falsePositiveRate(): number {
    return blockedFalsePositiveRate(this.#inserted, this.geometry.blocks, this.geometry.bitsPerBlock);
  }

  get resets(): number {
    return this.#resets;
  }

  /** Bits set per key (in two blocks). */
  get hashFunctions(): number {
    return this.geometry.hashes;
  }

  /** Bytes of the bit array (what the filter costs in memory). */
  get filterBytes(): number {
    return this.geometry.blocks * BLOCK_BYTES;
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
        format: FILTER_FORMAT,
        bits: this.geometry.bits,
        hashes: this.geometry.hashes,
        inserted: this.#inserted,
        content: deflateRawSync(Buffer.from(bits.buffer, bits.byteOffset, bits.length), {
          level: 1,
        }).toString('base64'),
      };
      this.#sinceSnapshot = 0;
    }
    const withFilter = this.#snapshot.content.length + FILTER_OVERHEAD <= budgetBytes;
    const fits = hashesFitting(
      budgetBytes - (withFilter ? this.#snapshot.content.length + FILTER_OVERHEAD : 0),
    );
    const recent = this.#recent();
    const kept = recent.length <= fits ? recent : recent.slice(recent.length - fits);
    return {
      ...(withFilter ? { filter: this.#snapshot } : {}),
      buffer: Buffer.from(kept.join(''), 'latin1').toString('base64'),
      complete: withFilter && kept.length === recent.length,
    };
  }

  /**
   * What a state budget holds once the filter has filled (its bits no longer compress): the filter or
   * not, and how many of the recent hashes (up to the buffer size). What start-up reports.
   */
  budgetFit(budgetBytes: number): { filter: boolean; hashes: number } {
    const filterChars = Math.ceil(this.filterBytes / 3) * 4 + FILTER_OVERHEAD;
    const filter = filterChars <= budgetBytes;
    const hashes = hashesFitting(budgetBytes - (filter ? filterChars : 0));
    return { filter, hashes: Math.min(hashes, this.config.bufferSize) };
  }

  toJSON(): BloomWindowState {
    const { complete: _complete, ...state } = this.toState();
    return state;
  }
}

/** Room for the filter's fields besides its content in the state document. */
const FILTER_OVERHEAD = 200;

/** Recent hashes whose base64 fits in `chars`. */
function hashesFitting(chars: number): number {
  return Math.max(0, Math.floor(((chars / 4) * 3) / CONTENT_HASH_BYTES));
}
