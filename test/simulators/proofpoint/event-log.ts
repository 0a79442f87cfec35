// What a PoD cluster has logged for one type: every event's arrival time (ascending: the order the
// server streams in) and its `ts` (which may be earlier: events arrive out of order). Two growable
// float arrays, so a long high-rate run costs 16 bytes per event.

export class EventLog {
  #arrived = new Float64Array(1024);
  #ts = new Float64Array(1024);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  append(arrivedMs: number, tsMs: number): number {
    if (this.#length === this.#arrived.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.#arrived = grow(this.#arrived);
      this.#ts = grow(this.#ts);
    }
    this.#arrived[this.#length] = arrivedMs;
    this.#ts[this.#length] = tsMs;
    return this.#length++;
  }

  arrived(seq: number): number {
    return this.#arrived[seq]!;
  }

  ts(seq: number): number {
    return this.#ts[seq]!;
  }

  /** The first event that arrived at or after `ms` (binary search: arrivals are ascending). */
  firstArrivedAtOrAfter(ms: number): number {
    let lo = 0;
    let hi = this.#length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#arrived[mid]! < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
