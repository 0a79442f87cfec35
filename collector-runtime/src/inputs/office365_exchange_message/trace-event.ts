// The one event shape both back ends produce for cloud.office365.messagetracing. Field names are the
// legacy Reporting Web Service's (what the table has always held), so queries over the table keep
// working after a tenant moves to Graph. Documented in docs/sources/exchange-message-trace.md.

/** The Devo table every row goes to. */
export const MESSAGE_TRACE_TAG = 'cloud.office365.messagetracing';

// A type alias (not an interface) so it is assignable to the output's Record<string, unknown>.
export type TraceEvent = {
  /** One per message; shared by all its recipients. */
  MessageTraceId: string;
  MessageId: string | null;
  /** ISO 8601 UTC with Z (the legacy service sends it without Z, Graph with). */
  Received: string;
  SenderAddress: string;
  RecipientAddress: string;
  Subject: string | null;
  /** PascalCase: Delivered, Failed, Pending, Expanded, Quarantined, FilteredAsSpam, GettingStatus, None. */
  Status: string;
  Size: number | null;
  FromIP: string | null;
  /** null for inbound mail. */
  ToIP: string | null;
  /** The tenant's domain: only the Reporting Web Service sends it; null from Graph. */
  Organization: string | null;
};

/**
 * A row is one (message, recipient); its status changes (Pending → Delivered), and each status is sent
 * once: a changed status is a new event, a repeat is not.
 */
export function traceKey(e: TraceEvent): string {
  return `${e.MessageTraceId}|${e.RecipientAddress.toLowerCase()}|${e.Status.toLowerCase()}`;
}

/** Received as epoch ms (the row's time for windows and key pruning). */
export function receivedAt(e: TraceEvent): number {
  return Date.parse(e.Received);
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const nonEmpty = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const int = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};

/** `/Date(1714557600000)/` (verbose OData), an ISO time without a zone (light OData, UTC), or ISO with one. */
export function utcIso(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const ms = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(value);
  if (ms) return new Date(Number(ms[1])).toISOString();
  const zoned = /(Z|[+-]\d\d:\d\d)$/i.test(value) ? value : `${value}Z`;
  const t = Date.parse(zoned);
  if (Number.isNaN(t)) return null;
  return zoned.endsWith('Z') ? zoned : new Date(t).toISOString();
}

function pascal(status: string): string {
  return status ? status[0]!.toUpperCase() + status.slice(1) : status;
}

function event(
  id: unknown,
  recipient: unknown,
  received: unknown,
  status: unknown,
  rest: Omit<TraceEvent, 'MessageTraceId' | 'RecipientAddress' | 'Received' | 'Status'>,
): TraceEvent | undefined {
  const Received = utcIso(received);
  if (typeof id !== 'string' || typeof recipient !== 'string' || Received === null) return undefined;
  return {
    MessageTraceId: id,
    MessageId: rest.MessageId,
    Received,
    SenderAddress: rest.SenderAddress,
    RecipientAddress: recipient,
    Subject: rest.Subject,
    Status: pascal(typeof status === 'string' ? status : 'None'),
    Size: rest.Size,
    FromIP: rest.FromIP,
    ToIP: rest.ToIP,
    Organization: rest.Organization,
  };
}

/** A Graph exchangeMessageTrace; undefined when it lacks id, recipient or a valid receivedDateTime. */
export function fromGraph(r: Record<string, unknown>): TraceEvent | undefined {
  return event(r.id, r.recipientAddress, r.receivedDateTime, r.status, {
    MessageId: str(r.messageId),
    SenderAddress: str(r.senderAddress) ?? '',
    Subject: str(r.subject),
    Size: int(r.size),
    FromIP: nonEmpty(r.fromIP),
    ToIP: nonEmpty(r.toIP),
    Organization: null,
  });
}

/** A Reporting Web Service MessageTrace row (either JSON shape); StartDate, EndDate and Index are dropped. */
export function fromReportingWebService(r: Record<string, unknown>): TraceEvent | undefined {
  return event(r.MessageTraceId, r.RecipientAddress, r.Received, r.Status, {
    MessageId: str(r.MessageId),
    SenderAddress: str(r.SenderAddress) ?? '',
    Subject: str(r.Subject),
    Size: int(r.Size),
    FromIP: nonEmpty(r.FromIP),
    ToIP: nonEmpty(r.ToIP),
    Organization: str(r.Organization),
  });
}
