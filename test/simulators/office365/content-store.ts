// Content blobs as Management Activity publishes them: records become available 60–90 minutes after they
// happen (some days later), are grouped into blobs in order of availability (so a blob can hold events
// older than an earlier blob's), and repeat: within a blob, across blobs, and re-served days later.

import { Prng } from '../../support/prng.ts';
import { buildTenantDirectory, type TenantDirectory } from '../graph/tenant-directory.ts';
import { auditRecord, type AuditRecord, type ContentType } from './audit-records.ts';

const MIN = 60_000;
const DAY = 86_400_000;
export const CONTENT_RETENTION_MS = 7 * DAY;

export interface ContentBlob {
  readonly contentType: ContentType;
  readonly contentId: string;
  /** Epoch ms; listing filters on it: start <= contentCreated < end. */
  readonly contentCreated: number;
  readonly records: AuditRecord[];
}

export interface AddActivityOptions {
  /** Share of extra copies of records, served again (default 0.06). */
  readonly duplicateRate?: number;
  /** Share of records that become available 1–3 days late (default 0.02). */
  readonly lateRate?: number;
  /** Records per blob are drawn from [min, max] (default 20..200). */
  readonly blobSize?: readonly [number, number];
}

export interface AddedActivity {
  /** Every distinct record, each once. */
  readonly records: AuditRecord[];
  /** Extra copies served on top of them. */
  readonly copies: number;
  readonly blobs: readonly ContentBlob[];
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:TZ.]/g, '');
}

export class ContentStore {
  readonly directory: TenantDirectory;
  readonly #seed: number;
  readonly #blobs: ContentBlob[] = [];
  readonly #byId = new Map<string, ContentBlob>();
  #batches = 0;

  constructor(seed: number, tenantId: string) {
    this.#seed = seed;
    this.directory = buildTenantDirectory(tenantId, Prng.derive(seed, 'directory'));
  }

  addActivity(
    contentType: ContentType,
    count: number,
    range: { from: number; to: number },
    options: AddActivityOptions = {},
  ): AddedActivity {
    const prng = Prng.derive(this.#seed, `${contentType}#${this.#batches++}`);
    const ctx = { prng, directory: this.directory };
    const lateRate = options.lateRate ?? 0.02;
    const [minBlob, maxBlob] = options.blobSize ?? [20, 200];
    const slow = contentType === 'Audit.General' ? 3 : 1;
    const available: { record: AuditRecord; at: number }[] = [];
    for (let i = 0; i < count; i++) {
      const happened = range.from + prng.float() * (range.to - range.from);
      const record = auditRecord(contentType, ctx, happened);
      const latency = prng.chance(lateRate) ? prng.int(DAY, 3 * DAY) : prng.int(60 * MIN, 90 * MIN * slow);
      available.push({ record, at: happened + latency });
    }
    available.sort((a, b) => a.at - b.at);
    const blobs: ContentBlob[] = [];
    for (let i = 0; i < available.length;) {
      const chunk = available.slice(i, i + prng.int(minBlob, maxBlob + 1));
      i += chunk.length;
      const records = chunk.map((c) => c.record);
      // Records inside a blob are not in event-time order either.
      for (let j = records.length - 1; j > 0; j--) {
        const k = prng.int(0, j + 1);
        [records[j], records[k]] = [records[k]!, records[j]!];
      }
      blobs.push(this.#blob(contentType, chunk.at(-1)!.at + prng.int(1, 30_000), records, prng));
    }
    const copies = Math.round(count * (options.duplicateRate ?? 0.06));
    const later: ContentBlob[] = [];
    for (let c = 0; c < copies && blobs.length > 0; c++) {
      const from = prng.int(0, blobs.length);
      const source = blobs[from]!;
      const record = prng.pick(source.records);
      if (c === 0) {
        // One record re-served days later in a blob of its own (seen in the wild: a blob created on
        // the 21st holding events of the 16th).
        const created = source.contentCreated + prng.int(2 * DAY, 3 * DAY);
        later.push(this.#blob(contentType, created, [record], prng));
      } else if (prng.chance(0.4) || from === blobs.length - 1) {
        source.records.splice(prng.int(0, source.records.length + 1), 0, record);
      } else {
        const to = blobs[prng.int(from + 1, Math.min(blobs.length, from + 20))]!;
        to.records.splice(prng.int(0, to.records.length + 1), 0, record);
      }
    }
    blobs.push(...later);
    for (const b of blobs) this.#byId.set(b.contentId, b);
    this.#blobs.push(...blobs);
    this.#blobs.sort((a, b) => a.contentCreated - b.contentCreated || (a.contentId < b.contentId ? -1 : 1));
    return { records: available.map((a) => a.record), copies, blobs };
  }

  #blob(contentType: ContentType, created: number, records: AuditRecord[], prng: Prng): ContentBlob {
    const type = contentType.replace('.', '_');
    const contentId = `${stamp(created - 120_000)}${prng.digits(6)}$${stamp(created)}${prng.digits(6)}$${type.toLowerCase()}$${type}$na00${prng.digits(2)}`;
    return { contentType, contentId, contentCreated: created, records };
  }

  /** Blobs of a type created in [from, to), in order of availability. */
  list(contentType: ContentType, from: number, to: number): ContentBlob[] {
    return this.#blobs.filter(
      (b) => b.contentType === contentType && b.contentCreated >= from && b.contentCreated < to,
    );
  }

  blob(contentId: string): ContentBlob | undefined {
    return this.#byId.get(contentId);
  }

  /** Every distinct record of a type, over all blobs. */
  distinct(contentType: ContentType): AuditRecord[] {
    const byId = new Map<string, AuditRecord>();
    for (const b of this.#blobs)
      if (b.contentType === contentType) for (const r of b.records) byId.set(r.Id, r);
    return [...byId.values()];
  }

  /** Records served counting every copy. */
  served(contentType: ContentType): number {
    return this.#blobs.reduce((n, b) => n + (b.contentType === contentType ? b.records.length : 0), 0);
  }
}
