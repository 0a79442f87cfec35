// The content services' record dedup: a content hash per record checked against the service's Bloom
// window. Hashes join the window as records are selected; the state saved with a checkpoint includes
// them, and if that checkpoint's delivery fails the window goes back to the last committed state, so a
// record that was never delivered is never filtered as a duplicate later.
import { BloomWindow, type BloomWindowConfig, type BloomWindowState } from '../../dedup/bloom-window.ts';
import { contentHash } from '../../dedup/event-key.ts';
import type { Logger } from '../../logging/logger.ts';
import type { ServiceTelemetry } from '../../metrics/service-telemetry.ts';

const MiB = 2 ** 20;

export class RecordDedup {
  #window: BloomWindow;
  /** Everything the last committed checkpoint held, unbudgeted: what a rollback restores. */
  #committed: BloomWindowState;
  #pending: BloomWindowState | undefined;
  /** Hashes another service (uri_retry) is delivering: filtered here, persisted only once delivered. */
  readonly #reserved = new Set<string>();
  readonly #budgetBytes: number;
  readonly #telemetry: ServiceTelemetry;

  constructor(
    config: BloomWindowConfig,
    saved: BloomWindowState | undefined,
    opts: { budgetBytes?: number; log: Logger; telemetry: ServiceTelemetry },
  ) {
    this.#window = new BloomWindow(config, saved);
    this.#budgetBytes = opts.budgetBytes ?? Infinity;
    this.#telemetry = opts.telemetry;
    this.#committed = this.#window.toState();
    const filterMiB = Math.round((this.#window.filterBytes / MiB) * 10) / 10;
    opts.log.info(
      {
        capacity: config.capacity,
        falsePositiveRate: config.falsePositiveRate,
        hashFunctions: this.#window.hashFunctions,
        filterMiB,
        bufferSize: config.bufferSize,
        restoredFilter: this.#window.restoredFilter,
        // 'other format' after an upgrade that changed the filter's layout: rebuilt from the recent hashes.
        filterRebuilt: this.#window.filterRebuilt,
        restoredRecentHashes: saved?.buffer ? Buffer.from(saved.buffer, 'base64').length / 16 : 0,
      },
      'Record dedup ready',
    );
    const fit = this.#window.budgetFit(this.#budgetBytes);
    if (!fit.filter || fit.hashes < config.bufferSize)
      opts.log.warn(
        {
          stateLimitBytes: this.#budgetBytes,
          filterPersisted: fit.filter,
          filterMiB,
          recentHashesPersisted: fit.hashes,
          bufferSize: config.bufferSize,
        },
        fit.filter
          ? 'The state store keeps only part of the recent hashes; use PersistentVolumeClaim (filesystem) persistence for this source'
          : 'The state store is too small for the dedup filter: only the newest recent hashes that fit persist, so a restart can re-send older duplicates; use PersistentVolumeClaim (filesystem) persistence for this source',
      );
    this.#report();
  }

  /** Keeps the records not seen before (nor earlier in `records`); counts the rest as duplicates. */
  select(records: readonly Record<string, unknown>[]): {
    fresh: Record<string, unknown>[];
    duplicates: number;
  } {
    const fresh: Record<string, unknown>[] = [];
    let duplicates = 0;
    for (const record of records) {
      const h = contentHash(JSON.stringify(record));
      if (this.#reserved.has(h) || this.#window.addIfNew(h)) duplicates++;
      else fresh.push(record);
    }
    return { fresh, duplicates };
  }

  /**
   * For records another service delivers: keeps those not seen before and holds their hashes so this
   * service's own pages treat them as sent, without saving them in a checkpoint before `settle`.
   */
  reserve(records: readonly Record<string, unknown>[]): {
    fresh: Record<string, unknown>[];
    hashes: string[];
  } {
    const fresh: Record<string, unknown>[] = [];
    const hashes: string[] = [];
    for (const record of records) {
      const h = contentHash(JSON.stringify(record));
      if (this.#window.has(h) || this.#reserved.has(h)) continue;
      this.#reserved.add(h);
      hashes.push(h);
      fresh.push(record);
    }
    return { fresh, hashes };
  }

  /** The reserved records were delivered (`true`: remember them) or not (`false`: forget them). */
  settle(hashes: readonly string[], delivered: boolean): void {
    for (const h of hashes) {
      this.#reserved.delete(h);
      if (delivered) this.#window.add(h);
    }
  }

  /** The dedup part of the next checkpoint (within the store's budget). */
  state(): BloomWindowState {
    this.#pending = this.#window.toState();
    if (this.#budgetBytes === Infinity) return this.#pending;
    const { complete: _complete, ...budgeted } = this.#window.toState(this.#budgetBytes);
    return budgeted;
  }

  /** The checkpoint holding the last state() was saved. */
  committed(): void {
    if (this.#pending !== undefined) this.#committed = this.#pending;
    this.#pending = undefined;
    this.#report();
  }

  /** The checkpoint was not saved: forget the hashes of records that were not delivered. */
  rollback(): void {
    this.#window = new BloomWindow(this.#window.config, this.#committed);
    this.#pending = undefined;
  }

  #report(): void {
    this.#telemetry.dedupFill(this.#window.fillRatio, this.#window.falsePositiveRate);
  }
}
