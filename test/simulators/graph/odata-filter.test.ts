import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { matchesFilter } from './filter-match.ts';
import { FilterSyntaxError, parseFilter } from './odata-filter.ts';
import { startGraphSimulator, type GraphSimulator } from './server.ts';
import { collectAll, getToken, graphGet, query, windowFilter } from './sim-client.ts';

test('parses time windows, nested paths, literals and lambdas', () => {
  assert.deepEqual(parseFilter('createdDateTime ge 2024-05-01T00:00:00Z'), {
    kind: 'compare',
    path: ['createdDateTime'],
    op: 'ge',
    value: { type: 'datetime', key: '2024-05-01T00:00:00.0000000', text: '2024-05-01T00:00:00Z' },
  });
  assert.deepEqual(parseFilter("vendorInformation/provider eq 'O''Brien'"), {
    kind: 'compare',
    path: ['vendorInformation', 'provider'],
    op: 'eq',
    value: { type: 'string', value: "O'Brien" },
  });
  const lambda = parseFilter("signInEventTypes/any(t: t eq 'nonInteractiveUser')");
  assert.equal(lambda.kind, 'any');
  const mixed = parseFilter('(a eq 1 and b eq true) or c eq null');
  assert.equal(mixed.kind, 'or');
});

test('offsets and 7 fractional digits normalise to one comparable key', () => {
  const a = parseFilter('x ge 2024-05-01T02:00:00.1234567+02:00');
  assert.ok(a.kind === 'compare' && a.value.type === 'datetime');
  assert.equal(a.value.key, '2024-05-01T00:00:00.1234567');
});

const record = {
  id: '1',
  createdDateTime: '2024-05-01T10:00:00.5000000Z',
  status: { errorCode: 0 },
  isInteractive: true,
  vendorInformation: { provider: 'Contoso Custom' },
  targetResources: [{ id: 'g1', type: 'Group' }],
  signInEventTypes: ['nonInteractiveUser'],
};

const matches: [string, boolean][] = [
  ['createdDateTime ge 2024-05-01T10:00:00.5Z and createdDateTime lt 2024-05-01T10:00:01Z', true],
  ['createdDateTime gt 2024-05-01T10:00:00.5Z', false],
  ['createdDateTime le 2024-05-01T10:00:00.4999999Z', false],
  ['createdDateTime eq 2024-05-01T10:00:00.5000000Z', true],
  ["vendorInformation/provider eq 'Contoso Custom'", true],
  ['status/errorCode eq 0', true],
  ['status/errorCode gt 0', false],
  ['isInteractive eq false', false],
  ["targetResources/any(t: t/type eq 'Group')", true],
  ["signInEventTypes/any(t: t eq 'interactiveUser')", false],
  ["(isInteractive eq false) or (signInEventTypes/any(t: t eq 'nonInteractiveUser'))", true],
  ['missing eq null', true],
];

for (const [filter, expected] of matches) {
  test(`matches: ${filter} -> ${expected}`, () => {
    assert.equal(matchesFilter(parseFilter(filter), record), expected);
  });
}

const syntaxErrors: [string, RegExp][] = [
  ["startswith(userPrincipalName, 'a')", /function 'startswith' is not supported/],
  ["userPrincipalName ne 'a'", /operator 'ne' is not supported/],
  ["userPrincipalName is 'a'", /expected an operator \(eq, gt, ge, lt, le\)/],
  ["not (a eq 'b')", /operator 'not' is not supported/],
  ['createdDateTime ge 2024-05-01', /date literals need a time and a zone/],
  ['createdDateTime ge 2024-13-01T00:00:00Z', /not a valid DateTimeOffset literal/],
  ["a eq 'unterminated", /unterminated string literal/],
  ['a eq b', /expected a value but found 'b'/],
  ["a eq 'x' and", /ends too early/],
  ["roles/all(r: r eq 'x')", /lambda operator 'all' is not supported/],
  ['a eq 1)', /unexpected '\)'/],
  ['', /empty/],
  ['a & b', /character '&' is not valid/],
];

for (const [filter, message] of syntaxErrors) {
  test(`rejects: ${filter || '(empty)'}`, () => {
    assert.throws(
      () => parseFilter(filter),
      (err: unknown) => err instanceof FilterSyntaxError && message.test(err.message),
    );
  });
}

let sim: GraphSimulator;
let token: string;
const T0 = Date.UTC(2024, 4, 1);

before(async () => {
  sim = await startGraphSimulator({ seed: 9, throttle: false });
  sim.addRecords('alerts', 120, { from: T0, to: T0 + 3_600_000 });
  sim.addRecords('alerts_v2', 20, { from: T0, to: T0 + 3_600_000 });
  sim.addRecords('directory_audits', 60, { from: T0, to: T0 + 3_600_000 });
  token = await getToken(sim);
});
after(() => sim.close());

test('HTTP: invalid filters are 400 "Invalid filter clause: ..."', async () => {
  const bad: [string, string, RegExp][] = [
    ['/v1.0/auditLogs/directoryAudits', 'activityDateTime ge', /Syntax error/],
    ['/v1.0/auditLogs/directoryAudits', "activityDateTime ge '2024-05-01T00:00:00Z'", /incompatible types/],
    ['/v1.0/auditLogs/directoryAudits', 'category eq 2024-05-01T00:00:00Z', /incompatible types/],
    [
      '/v1.0/auditLogs/directoryAudits',
      "noSuchField eq 'x'",
      /Could not find a property named 'noSuchField'/,
    ],
    ['/v1.0/auditLogs/directoryAudits', "category gt 'A'", /only supported for date-time and numeric/],
    [
      '/v1.0/security/alerts_v2',
      "investigationState eq 'x'",
      /Filtering on 'investigationState' is not supported/,
    ],
    ['/v1.0/security/alerts', "contains(title, 'x')", /function 'contains' is not supported/],
  ];
  for (const [path, filter, message] of bad) {
    const res = await graphGet(sim, query(path, { $filter: filter }), token);
    assert.equal(res.status, 400, filter);
    assert.equal(res.body.error?.code, 'BadRequest');
    assert.ok(res.body.error?.message.startsWith('Invalid filter clause: '), res.body.error?.message);
    assert.match(res.body.error?.message ?? '', message);
  }
});

test('HTTP: eq on a nested path and quote escaping select the right records', async () => {
  const unknown = sim
    .records('alerts')
    .filter((r) => (r['vendorInformation'] as { provider: string }).provider === 'Contoso Custom');
  assert.ok(unknown.length > 0, 'the unknown provider appears in generated data');
  const { records } = await collectAll(
    sim,
    query('/v1.0/security/alerts', { $filter: "vendorInformation/provider eq 'Contoso Custom'", $top: 1000 }),
    token,
  );
  assert.deepEqual(new Set(records.map((r) => r.id)), new Set(unknown.map((r) => r.id)));

  const groupChanges = sim
    .records('directory_audits')
    .filter((r) => (r['targetResources'] as { type: string }[]).some((t) => t.type === 'Group'));
  const lambda = await collectAll(
    sim,
    query('/v1.0/auditLogs/directoryAudits', {
      $filter: `${windowFilter('activityDateTime', T0, T0 + 3_600_000)} and targetResources/any(t: t/type eq 'Group')`,
    }),
    token,
  );
  assert.equal(lambda.records.length, groupChanges.length);
});
