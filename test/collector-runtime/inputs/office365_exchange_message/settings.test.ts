// The input's settings as config.yaml gives them: the documents' ranges and defaults, the delay warning,
// the margin/cutoff check, and the retired basic-auth fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../../../collector-runtime/src/config/validate.ts';
import { inputRegistry, legacyInputs } from '../../../../collector-runtime/src/inputs/registry.ts';

const files = {
  readText: () => ({ text: 's' }),
  checkReadable: () => undefined,
  checkDirectory: () => undefined,
};
const paths = { base: '/x', certs: '/x/certs', config: '/x/config', state: '/x/state' };
const P = 'inputs.office365_exchange_message';

function validate(input: Record<string, unknown>, service: Record<string, unknown> = {}) {
  const raw = {
    globals: { id: 'c', name: 'c' },
    outputs: { out: { type: 'console', config: {} } },
    inputs: {
      office365_exchange_message: {
        id: '25001',
        credentials: { tenant_id: 't', client_id: 'c', client_secret: 's' },
        services: { office365_exchange_message_service: service },
        ...input,
      },
    },
  };
  return validateConfig(raw, {
    now: Date.now(),
    env: {},
    paths,
    files,
    registry: inputRegistry,
    legacyInputs,
  });
}

test('defaults: Graph, cutoff 10 days, margin 60 s, delay 25 h, period 300 s', () => {
  const { config, problems } = validate({});
  assert.deepEqual(problems, []);
  const input = config!.inputs[0]!;
  assert.equal(input.config.max_historic_date_cutoff_days_back, 10);
  assert.equal(input.config.max_historic_date_margin_seconds, 60);
  const s = input.services[0]!.config;
  assert.equal(s.api, 'graph');
  assert.equal(s.override_time_delay_in_seconds, 90_000);
  assert.equal(s.request_period_in_seconds, 300);
});

test('out-of-range values name the field and the range; a delay under 25 h only warns', () => {
  const { problems } = validate(
    { max_historic_date_cutoff_days_back: 0, max_historic_date_margin_seconds: 86_400_000_001 },
    { api: 'ews', override_time_delay_in_seconds: 172_801 },
  );
  const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
  assert.match(byPath[`${P}.max_historic_date_cutoff_days_back`]!, /from 1 to 1000000/);
  assert.match(byPath[`${P}.max_historic_date_margin_seconds`]!, /from 1 to 86400000000/);
  const svc = `${P}.services.office365_exchange_message_service`;
  assert.match(byPath[`${svc}.api`]!, /"graph", "reporting_web_service"/);
  assert.match(byPath[`${svc}.override_time_delay_in_seconds`]!, /from 1 to 172800/);
  const short = validate({}, { override_time_delay_in_seconds: 3600 });
  assert.ok(short.config, 'still valid');
  assert.deepEqual(
    short.problems.map((p) => [p.severity, p.path]),
    [['warning', `${svc}.override_time_delay_in_seconds`]],
  );
});

test('a margin as long as the cutoff, start_time_in_utc and basic-auth fields are refused with the fix', () => {
  const margin = validate({
    max_historic_date_cutoff_days_back: 1,
    max_historic_date_margin_seconds: 86_400,
  });
  assert.match(margin.problems[0]!.message, /first pull would start in the future/);
  const start = validate({}, { start_time_in_utc: '2026-01-01T00:00:00Z' });
  assert.match(
    start.problems[0]!.message,
    /office365_exchange_message_service does not take start_time_in_utc/,
  );
  const basic = validate({ credentials: { username: 'admin@contoso.com', password: 'pw' } });
  assert.equal(basic.config, undefined);
  const messages = basic.problems.map((p) => `${p.path}: ${p.message}`).join('\n');
  assert.match(
    messages,
    /credentials\.username: basic authentication .* set tenant_id, client_id and client_secret/,
  );
  assert.match(messages, /credentials\.password: .* replaced by client_secret/);
  assert.ok(!messages.includes('pw'));
});
