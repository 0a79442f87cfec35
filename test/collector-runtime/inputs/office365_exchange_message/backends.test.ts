// The pure back-end code: request URLs for both APIs, both legacy JSON shapes, and the one event shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { traceBackend } from '../../../../collector-runtime/src/inputs/office365_exchange_message/backends.ts';
import { parseGraphPage } from '../../../../collector-runtime/src/inputs/office365_exchange_message/graph-message-traces.ts';
import { parseReportingPage } from '../../../../collector-runtime/src/inputs/office365_exchange_message/reporting-web-service.ts';
import {
  traceKey,
  utcIso,
} from '../../../../collector-runtime/src/inputs/office365_exchange_message/trace-event.ts';
import type { TraceInput } from '../../../../collector-runtime/src/inputs/office365_exchange_message/settings.ts';

const input = (extra: Partial<TraceInput> = {}): TraceInput => ({
  id: '1',
  enabled: true,
  max_historic_date_cutoff_days_back: 10,
  max_historic_date_margin_seconds: 60,
  credentials: { tenant_id: 'contoso.onmicrosoft.com', client_id: 'app', client_secret: 's' },
  ...extra,
});
const from = Date.parse('2026-03-01T00:00:00.250Z');
const to = Date.parse('2026-03-02T06:30:00Z');

test('Graph: v2 token with the Graph scope, both receivedDateTime bounds to the second, $top 5000', () => {
  const b = traceBackend('graph', input());
  assert.equal(
    b.token.tokenUrl,
    'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
  );
  assert.deepEqual(b.token.target, { scope: 'https://graph.microsoft.com/.default' });
  const url = new URL(b.windowUrl(from, to));
  assert.equal(
    url.origin + url.pathname,
    'https://graph.microsoft.com/v1.0/admin/exchange/tracing/messageTraces',
  );
  assert.equal(
    url.searchParams.get('$filter'),
    'receivedDateTime ge 2026-03-01T00:00:00Z and receivedDateTime le 2026-03-02T06:30:00Z',
  );
  assert.equal(url.searchParams.get('$top'), '5000');
  assert.doesNotMatch(b.windowUrl(from, to), /\+/, 'spaces are %20, not +');
  assert.deepEqual(b.budget, { limit: 90, windowMs: 300_000 });
});

test('Reporting Web Service: v1 token for Exchange Online, StartDate/EndDate datetime literals, $format=json', () => {
  const b = traceBackend(
    'reporting_web_service',
    input({
      override_base_url: 'http://127.0.0.1:9/ecp/reportingwebservice/reporting.svc/',
      override_login_url: 'http://127.0.0.1:9',
    }),
  );
  assert.equal(b.token.tokenUrl, 'http://127.0.0.1:9/contoso.onmicrosoft.com/oauth2/token');
  assert.deepEqual(b.token.target, { resource: 'https://outlook.office365.com' });
  const url = new URL(b.windowUrl(from, to));
  assert.equal(url.pathname, '/ecp/reportingwebservice/reporting.svc/MessageTrace');
  assert.equal(
    url.searchParams.get('$filter'),
    "StartDate eq datetime'2026-03-01T00:00:00Z' and EndDate eq datetime'2026-03-02T06:30:00Z'",
  );
  assert.equal(url.searchParams.get('$format'), 'json');
  assert.equal(b.budget, undefined);
});

const graphRow = {
  '@odata.type': '#microsoft.graph.exchangeMessageTrace',
  id: '4f1c2b7a-0000-4000-8000-000000000001',
  senderAddress: 'a@fabrikam.com',
  recipientAddress: 'B@contoso.com',
  messageId: '<x@fabrikam.com>',
  receivedDateTime: '2026-01-21T14:12:34Z',
  subject: 'Invoice',
  size: 51234,
  fromIP: '203.0.113.25',
  toIP: '',
  status: 'filteredAsSpam',
};
const expected = {
  MessageTraceId: graphRow.id,
  MessageId: '<x@fabrikam.com>',
  Received: '2026-01-21T14:12:34Z',
  SenderAddress: 'a@fabrikam.com',
  RecipientAddress: 'B@contoso.com',
  Subject: 'Invoice',
  Status: 'FilteredAsSpam',
  Size: 51234,
  FromIP: '203.0.113.25',
  ToIP: null,
  Organization: null,
};

test('a Graph page maps to the documented event shape; rows without an id are counted, not sent', () => {
  const page = parseGraphPage({
    value: [graphRow, { recipientAddress: 'x@y' }],
    '@odata.nextLink': 'https://graph.microsoft.com/v1.0/admin/exchange/tracing/messageTraces?$skiptoken=abc',
  });
  assert.deepEqual(page.events, [expected]);
  assert.equal(page.malformed, 1);
  assert.match(page.next!, /\$skiptoken=abc$/);
  assert.equal(parseGraphPage({ value: [] }).next, undefined);
});

const legacyRow = {
  Organization: 'contoso.onmicrosoft.com',
  MessageId: '<x@fabrikam.com>',
  Received: '2026-01-21T14:12:34.1234567',
  SenderAddress: 'a@fabrikam.com',
  RecipientAddress: 'B@contoso.com',
  Subject: 'Invoice',
  Status: 'FilteredAsSpam',
  ToIP: null,
  FromIP: '203.0.113.25',
  Size: 51234,
  MessageTraceId: graphRow.id,
  StartDate: '2026-01-21T00:00:00Z',
  EndDate: '2026-01-22T00:00:00Z',
  Index: 0,
};

test('both legacy JSON shapes give the same events as Graph (Received in UTC with Z, window echo dropped)', () => {
  const light = parseReportingPage({
    'odata.metadata':
      'https://reports.office365.com/ecp/ReportingWebService/Reporting.svc/$metadata#MessageTrace',
    value: [legacyRow],
    'odata.nextLink': 'https://reports.office365.com/x?$skiptoken=2000',
  });
  const want = {
    ...expected,
    Received: '2026-01-21T14:12:34.1234567Z',
    Organization: 'contoso.onmicrosoft.com',
  };
  assert.deepEqual(light.events, [want]);
  assert.equal(light.next, 'https://reports.office365.com/x?$skiptoken=2000');
  const verbose = parseReportingPage({
    d: {
      results: [
        {
          __metadata: { id: 'u', uri: 'u', type: 'TenantReporting.MessageTrace' },
          ...legacyRow,
          Received: `/Date(${Date.parse('2026-01-21T14:12:34.123Z')})/`,
          StartDate: '/Date(0)/',
        },
      ],
      __next: 'https://reports.office365.com/x?$skiptoken=2000',
    },
  });
  assert.deepEqual(verbose.events, [{ ...want, Received: '2026-01-21T14:12:34.123Z' }]);
  assert.equal(verbose.next, 'https://reports.office365.com/x?$skiptoken=2000');
  assert.equal(parseReportingPage({ d: { results: [] } }).next, undefined);
});

test('the key is (trace id, recipient, status): a new status is a new event, case does not matter', () => {
  const a = parseGraphPage({ value: [{ ...graphRow, status: 'pending' }] }).events[0]!;
  const b = parseGraphPage({ value: [{ ...graphRow, status: 'delivered' }] }).events[0]!;
  const c = parseReportingPage({
    value: [{ ...legacyRow, Status: 'Delivered', RecipientAddress: 'b@contoso.com' }],
  }).events[0]!;
  assert.notEqual(traceKey(a), traceKey(b));
  assert.equal(traceKey(b), traceKey(c));
});

test('utcIso reads every time form the APIs send and rejects the rest', () => {
  assert.equal(utcIso('/Date(1714557600000)/'), '2024-05-01T10:00:00.000Z');
  assert.equal(utcIso('2024-05-01T10:15:02.1234567'), '2024-05-01T10:15:02.1234567Z');
  assert.equal(utcIso('2024-05-01T12:15:02+02:00'), '2024-05-01T10:15:02.000Z');
  assert.equal(utcIso('yesterday'), null);
  assert.equal(utcIso(42), null);
});
