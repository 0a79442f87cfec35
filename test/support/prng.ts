// Seeded pseudo-random numbers, so the same seed always yields the same simulated tenant data.

/** mulberry32: tiny, fast, and good enough for test data (not for anything secret). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, used to give every data stream its own seed derived from one user seed. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export class Prng {
  readonly #next: () => number;

  constructor(seed: number) {
    this.#next = mulberry32(seed);
  }

  /** An independent stream per label, so adding data to one service never shifts another's data. */
  static derive(seed: number, label: string): Prng {
    return new Prng((seed ^ hashLabel(label)) >>> 0);
  }

  float(): number {
    return this.#next();
  }

  /** Integer in [min, maxExclusive). */
  int(min: number, maxExclusive: number): number {
    return min + Math.floor(this.#next() * (maxExclusive - min));
  }

  chance(probability: number): boolean {
    return this.#next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length)];
    if (item === undefined) throw new Error('cannot pick from an empty list');
    return item;
  }

  /** Picks from [value, weight] pairs. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, w]) => sum + w, 0);
    let r = this.#next() * total;
    for (const [value, weight] of items) {
      r -= weight;
      if (r < 0) return value;
    }
    const last = items.at(-1);
    if (last === undefined) throw new Error('cannot pick from an empty list');
    return last[0];
  }

  hex(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += this.int(0, 16).toString(16);
    return out;
  }

  digits(length: number): string {
    let out = String(this.int(1, 10));
    for (let i = 1; i < length; i++) out += String(this.int(0, 10));
    return out;
  }

  alnum(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += ALNUM[this.int(0, ALNUM.length)];
    return out;
  }

  /** A version-4-looking GUID. */
  guid(): string {
    const variant = '89ab'[this.int(0, 4)];
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${variant}${this.hex(3)}-${this.hex(12)}`;
  }
}
