// The office365 input's configuration: the stand-alone example validates, the cloud table gives matching
// login host, API host and scope, and the 1.x checkpoint is migrated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { validateConfig } from '../../../../collector-runtime/src/config/validate.ts';
import { inputRegistry, legacyInputs } from '../../../../collector-runtime/src/inputs/registry.ts';
import { feedEndpoints } from '../../../../collector-runtime/src/inputs/office365/clouds.ts';
import { migrateOffice365State } from '../../../../collector-runtime/src/inputs/office365/state.ts';

const ROOT = resolve(import.meta.dirname, '../../../..');
const home = '/devo-collector';

function validate(raw: unknown) {
  return validateConfig(raw, {
    now: Date.parse('2026-06-01T00:00:00Z'),
    env: {},
    paths: { base: home, certs: `${home}/certs`, config: `${home}/config`, state: `${home}/state` },
    files: {
      readText: (p) =>
        p === `${home}/credentials/client_secret` ? { text: 'secret\n' } : { error: 'does not exist' },
      checkReadable: (p) => (p.startsWith(`${home}/certs/`) ? undefined : 'does not exist'),
      checkDirectory: () => undefined,
    },
    registry: inputRegistry,
    legacyInputs,
  });
}

test('examples/standalone/office365/config.yaml validates with all six services and its settings typed', () => {
  const { config, problems } = validate(
    parse(readFileSync(join(ROOT, 'examples/standalone/office365/config.yaml'), 'utf8')),
  );
  assert.deepEqual(problems, []);
  const input = config!.inputs[0]!;
  assert.deepEqual(
    input.services.map((s) => s.name),
    ['azure_active_directory', 'sharepoint', 'exchange', 'general_audit', 'dlp', 'uri_retry'],
  );
  const dlp = input.services.find((s) => s.name === 'dlp')!.config;
  assert.equal(dlp.override_bloom_filter_size, 1_000_000);
  const aad = input.services.find((s) => s.name === 'azure_active_directory')!.config;
  assert.equal(aad.override_bloom_filter_size, 10_000_000);
  assert.equal(aad.override_bloom_filter_buffer_size, 100_000);
  assert.equal(aad.bloom_filter_false_positive_rate, 1e-6);
});

test('a bad cloud or false-positive rate is refused naming the field, the value and what is expected', () => {
  const raw = parse(readFileSync(join(ROOT, 'examples/standalone/office365/config.yaml'), 'utf8'));
  raw.inputs.office365.cloud = 'gcch';
  raw.inputs.office365.services.sharepoint = { bloom_filter_false_positive_rate: 0.5 };
  const { problems } = validate(raw);
  const messages = problems.map((p) => `${p.path}: ${p.message}`).join('\n');
  assert.match(
    messages,
    /inputs\.office365\.cloud: got "gcch", expected one of "commercial", "gcc", "gcc_high", "dod"/,
  );
  assert.match(messages, /services\.sharepoint\.bloom_filter_false_positive_rate: got 0\.5/);
});

test('a Bloom buffer not smaller than the filter is refused naming both fields, the values and the fix', () => {
  const cases: { sharepoint: Record<string, number>; error?: RegExp }[] = [
    { sharepoint: { override_bloom_filter_buffer_size: 100_000 } }, // default size 10M
    { sharepoint: { override_bloom_filter_size: 1000, override_bloom_filter_buffer_size: 999 } },
    { sharepoint: { override_bloom_filter_size: 1000, override_bloom_filter_buffer_size: 0 } },
    {
      sharepoint: { override_bloom_filter_size: 50_000, override_bloom_filter_buffer_size: 50_000 },
      error:
        /got 50000, which is not smaller than override_bloom_filter_size \(50000\).*lower override_bloom_filter_buffer_size .* or raise override_bloom_filter_size/,
    },
    {
      sharepoint: { override_bloom_filter_size: 1000, override_bloom_filter_buffer_size: 100_000 },
      error: /got 100000, which is not smaller than override_bloom_filter_size \(1000\)/,
    },
    {
      // Against the default size (10,000,000).
      sharepoint: { override_bloom_filter_buffer_size: 10_000_000 },
      error: /got 10000000, which is not smaller than override_bloom_filter_size \(10000000\)/,
    },
  ];
  for (const { sharepoint, error } of cases) {
    const raw = parse(readFileSync(join(ROOT, 'examples/standalone/office365/config.yaml'), 'utf8'));
    raw.inputs.office365.services.sharepoint = sharepoint;
    const { config, problems } = validate(raw);
    const label = JSON.stringify(sharepoint);
    if (error === undefined) {
      assert.deepEqual(problems, [], label);
      continue;
    }
    assert.equal(config, undefined, label);
    assert.equal(problems.length, 1, label);
    assert.equal(
      problems[0]!.path,
      'inputs.office365.services.sharepoint.override_bloom_filter_buffer_size',
      label,
    );
    assert.equal(problems[0]!.severity, 'error', label);
    assert.match(problems[0]!.message, error, label);
  }
});

test('each cloud takes login host, API host and scope from the same row; overrides replace the hosts only', () => {
  const creds = { tenant_id: 'contoso.onmicrosoft.com' };
  assert.deepEqual(feedEndpoints({ cloud: 'gcc_high', credentials: creds }), {
    tokenUrl: 'https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token',
    feedUrl: 'https://manage.office365.us/api/v1.0/contoso.onmicrosoft.com/activity/feed',
    scope: 'https://manage.office365.us/.default',
  });
  assert.equal(
    feedEndpoints({ cloud: 'dod', credentials: creds }).scope,
    'https://manage.protection.apps.mil/.default',
  );
  assert.equal(
    feedEndpoints({ cloud: 'gcc', credentials: creds }).tokenUrl,
    'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
  );
  const local = feedEndpoints({
    cloud: 'commercial',
    override_base_url: 'http://127.0.0.1:8080/',
    override_login_url: 'http://127.0.0.1:8080',
    credentials: creds,
  });
  assert.equal(local.feedUrl, 'http://127.0.0.1:8080/api/v1.0/contoso.onmicrosoft.com/activity/feed');
  assert.equal(local.tokenUrl, 'http://127.0.0.1:8080/contoso.onmicrosoft.com/oauth2/v2.0/token');
  assert.equal(local.scope, 'https://manage.office.com/.default');
});

test('the 1.x checkpoint (last_event_time_in_utc) becomes the content watermark', () => {
  assert.deepEqual(
    migrateOffice365State({
      '@persistence_version': 1,
      start_time_in_utc: null,
      last_event_time_in_utc: '2024-04-02 12:35:07',
    }),
    { watermark: '2024-04-02T12:35:07.000Z', content_ids: [] },
  );
  assert.equal(migrateOffice365State({ something: 'else' }), undefined);
});
