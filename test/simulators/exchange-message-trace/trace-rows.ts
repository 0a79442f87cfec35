// The simulated tenant's mail flow: one row per (message, recipient), the way both message trace APIs
// report it. A row becomes visible to the API at `visibleAt` (late rows appear after the fact) and its
// status can change over time (Pending → Delivered), so two polls of the same window can differ.

import { Prng } from '../../support/prng.ts';
import { buildTenantDirectory, randomIp } from '../graph/tenant-directory.ts';

/** The legacy service's spelling (PascalCase); Graph sends the same values in camelCase. */
export type TraceStatus =
  'Delivered' | 'Failed' | 'Pending' | 'Expanded' | 'Quarantined' | 'FilteredAsSpam' | 'GettingStatus';

export interface TraceRow {
  /** MessageTraceId (legacy) / id (Graph): one per message, shared by its recipients. */
  readonly traceId: string;
  readonly messageId: string | null;
  readonly sender: string;
  readonly recipient: string;
  readonly subject: string;
  readonly size: number;
  readonly fromIP: string;
  /** Empty for inbound mail. */
  readonly toIP: string;
  /** When the message was received (epoch ms). */
  readonly received: number;
  /** When the row first shows up in API answers (epoch ms); later than `received` for late rows. */
  readonly visibleAt: number;
  /** Status changes, oldest first; the first one is at or before `visibleAt`. */
  readonly history: { at: number; status: TraceStatus }[];
}

export interface AddRowsOptions {
  count: number;
  /** Received times are spread over [from, to). */
  from: number;
  to: number;
  /** Rows stay Pending this long after being received, then turn Delivered (0: final at once). */
  pendingForMs?: number;
  /** Rows appear in the API this long after being received (0: at once). */
  lateByMs?: number;
}

const FINAL_STATUSES: readonly (readonly [TraceStatus, number])[] = [
  ['Delivered', 80],
  ['FilteredAsSpam', 6],
  ['Failed', 4],
  ['Quarantined', 4],
  ['Expanded', 6],
];

const SUBJECTS = [
  'Invoice #{n}',
  'Re: Quarterly review – Zürich',
  'Your "urgent" package',
  "Seán's notes",
  '会议纪要 {n}',
  'Password expiry notice',
];

export function statusAt(row: TraceRow, now: number): TraceStatus {
  let status = row.history[0]!.status;
  for (const h of row.history) if (h.at <= now) status = h.status;
  return status;
}

export class TraceRows {
  readonly #prng: Prng;
  readonly #directory;
  readonly #rows: TraceRow[] = [];
  #sorted = true;

  constructor(seed: number, tenantId: string) {
    this.#prng = Prng.derive(seed, 'exchange-message-trace');
    this.#directory = buildTenantDirectory(tenantId, Prng.derive(seed, 'directory'));
  }

  get domain(): string {
    return this.#directory.domain;
  }

  /** Adds `count` rows (messages with one to three recipients each; every row counts). */
  add(opts: AddRowsOptions): TraceRow[] {
    const p = this.#prng;
    const added: TraceRow[] = [];
    while (added.length < opts.count) {
      const traceId = p.guid();
      const received = opts.from + Math.floor(p.float() * Math.max(1, opts.to - opts.from));
      const inbound = p.chance(0.5);
      const internal = p.pick(this.#directory.users).userPrincipalName;
      const external = `${p.pick(['billing', 'news', 'ceo', 'support'])}@${p.pick(['fabrikam.com', 'example.org', 'adatum.net'])}`;
      const sender = inbound ? external : internal;
      const messageId = p.chance(0.05) ? null : `<${p.alnum(20)}@${sender.split('@')[1]}>`;
      const subject = p.pick(SUBJECTS).replace('{n}', p.digits(5));
      const size = p.int(900, 5_000_000);
      const recipients = Math.min(p.int(1, 4), opts.count - added.length);
      const fromIP = randomIp(p);
      const toIP = inbound ? '' : randomIp(p);
      const firstUser = p.int(0, this.#directory.users.length);
      for (let i = 0; i < recipients; i++) {
        const recipient = inbound
          ? this.#directory.users[(firstUser + i) % this.#directory.users.length]!.userPrincipalName
          : `${['anna', 'ben', 'chen'][i]}@${p.pick(['fabrikam.com', 'example.org'])}`;
        const final = p.weighted(FINAL_STATUSES);
        const pendingFor = opts.pendingForMs ?? 0;
        const history: TraceRow['history'] =
          pendingFor > 0
            ? [
                { at: received, status: 'Pending' },
                { at: received + pendingFor, status: 'Delivered' },
              ]
            : [{ at: received, status: final }];
        const row: TraceRow = {
          traceId,
          messageId,
          sender,
          recipient,
          subject,
          size,
          fromIP,
          toIP,
          received,
          visibleAt: received + (opts.lateByMs ?? 0),
          history,
        };
        added.push(row);
      }
    }
    this.#rows.push(...added);
    this.#sorted = false;
    return added;
  }

  /** Every row ever added, in API order. */
  all(): readonly TraceRow[] {
    if (!this.#sorted) {
      this.#rows.sort(compareRows);
      this.#sorted = true;
    }
    return this.#rows;
  }

  /** Rows the API shows at `now` with `received` in [from, to] (bounds inclusive, as the APIs filter). */
  visible(now: number, from: number, to: number): TraceRow[] {
    return this.all().filter((r) => r.visibleAt <= now && r.received >= from && r.received <= to);
  }
}

/** API order: received time, then trace id and recipient (a stable order for keyset paging). */
export function compareRows(a: TraceRow, b: TraceRow): number {
  return (
    a.received - b.received ||
    (a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : 0) ||
    (a.recipient < b.recipient ? -1 : a.recipient > b.recipient ? 1 : 0)
  );
}
