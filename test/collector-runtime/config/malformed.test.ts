// Every way a config.yaml can be wrong that we have thought of: each case pins the problem's path and
// a fragment of its message, and that the client secret never shows up in any message.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../../collector-runtime/src/config/load.ts';
import { ConfigError } from '../../../collector-runtime/src/core/errors.ts';
import {
  goodConfig,
  NOW,
  removeLayouts,
  SECRET,
  writeLayout,
  type Config,
  type Layout,
} from './config-fixture.ts';

after(removeLayouts);

interface Case {
  name: string;
  /** Changes a copy of goodConfig()… */
  edit?: (c: Config) => void;
  /** …or replaces the whole file. */
  text?: string | Uint8Array;
  certs?: string[];
  files?: Record<string, string>;
  env?: Record<string, string>;
  /** What to pass as --config (default: the written file). */
  configPath?: (l: Layout) => string;
  path: string;
  fragment: string | RegExp;
}

const AUDIT = 'inputs.microsoft_graph_audit';
const audit = (c: Config) => c.inputs.microsoft_graph_audit;
const devo = (c: Config) => c.outputs.devo_1.config;

// The Graph collector 1.7.1 product-document sample, values filled in.
const GRAPH_1X = `
globals: { id: not_used, name: graph, persistence: { type: filesystem, config: { directory_name: state } } }
outputs:
  devo_1: { type: devo_platform, config: { address: collector-us.devo.io, port: 443, type: SSL, chain: chain.crt, cert: devo.crt, key: devo.key } }
inputs:
  microsoft_graph:
    id: 12345
    enabled: true
    credentials: { tenant_id: t, client_id: c, client_secret: ${SECRET} }
    services:
      audit:
        request_period_in_seconds: 300
        start_time: 2024-01-01T00:00:00Z
        custom_endpoints: { override_base_url_main: https://graph.microsoft.com }
      signIn: { request_period_in_seconds: 300 }
      secure_scores: { tag_version: v1 }
`;

const cases: Case[] = [
  // --- the file itself
  {
    name: 'config file does not exist',
    configPath: (l) => join(l.dir, 'config', 'nope.yaml'),
    path: '',
    fragment: 'does not exist',
  },
  {
    name: 'config path is a directory',
    configPath: (l) => join(l.dir, 'config'),
    path: '',
    fragment: 'is a directory',
  },
  { name: 'empty file', text: '', path: '', fragment: 'is empty' },
  { name: 'only comments', text: '# nothing here\n\n', path: '', fragment: 'is empty' },
  {
    name: 'binary garbage (NUL bytes)',
    text: new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00]),
    path: '',
    fragment: 'binary',
  },
  {
    name: 'invalid UTF-8',
    text: new Uint8Array([0x61, 0x3a, 0x20, 0xc3, 0x28, 0xff, 0x0a]),
    path: '',
    fragment: 'UTF-8',
  },
  {
    name: 'YAML syntax error',
    text: 'globals:\n  id: x\n name: y\n',
    path: '',
    fragment: /not valid YAML: .* at line 3, column \d+/,
  },
  {
    name: 'syntax error on the line holding the secret',
    text: `inputs:\n  microsoft_graph_audit:\n    credentials:\n      client_secret: "${SECRET}\n`,
    path: '',
    fragment: /not valid YAML: .*line \d+, column \d+/,
  },
  {
    name: 'duplicate key',
    text: 'globals:\n  id: a\n  id: b\n',
    path: '',
    fragment: 'duplicate key at line 3',
  },
  { name: 'unresolved alias', text: 'globals: *nothing\n', path: '', fragment: 'alias' },
  {
    name: 'top level is a list',
    text: '- globals\n- outputs\n',
    path: '',
    fragment: 'top level must be a mapping',
  },
  {
    name: 'top level is a string',
    text: 'just some text\n',
    path: '',
    fragment: 'top level must be a mapping',
  },
  {
    name: 'unknown top-level key',
    edit: (c) => ((c.input = c.inputs), delete c.inputs),
    path: 'input',
    fragment: 'did you mean "inputs"',
  },

  // --- globals
  { name: 'globals missing', edit: (c) => delete c.globals, path: 'globals', fragment: 'is required' },
  {
    name: 'globals.id missing',
    edit: (c) => delete c.globals.id,
    path: 'globals.id',
    fragment: 'is required',
  },
  {
    name: 'globals.debug not a boolean',
    edit: (c) => (c.globals.debug = 'maybe'),
    path: 'globals.debug',
    fragment: 'true or false',
  },
  {
    name: 'unknown persistence type',
    edit: (c) => (c.globals.persistence.type = 'redis'),
    path: 'globals.persistence.type',
    fragment: '"filesystem"',
  },
  {
    name: 'configmap persistence without a name',
    edit: (c) => (c.globals.persistence = { type: 'configmap', config: {} }),
    path: 'globals.persistence.config.name',
    fragment: 'is required',
  },
  {
    name: 'metrics port out of range',
    edit: (c) => (c.globals.metrics = { port: 70000 }),
    path: 'globals.metrics.port',
    fragment: 'from 0 to 65535',
  },
  {
    name: 'zero shutdown timeout',
    edit: (c) => (c.globals.shutdown_timeout_seconds = 0),
    path: 'globals.shutdown_timeout_seconds',
    fragment: 'from 1 to 3600',
  },
  {
    name: 'state directory is a file',
    edit: (c) => (c.globals.persistence.config.directory_name = 'config/config.yaml'),
    path: 'globals.persistence.config.directory_name',
    fragment: 'is not a directory',
  },

  // --- outputs
  { name: 'no outputs', edit: (c) => delete c.outputs, path: 'outputs', fragment: 'at least one output' },
  { name: 'empty outputs', edit: (c) => (c.outputs = {}), path: 'outputs', fragment: 'is empty' },
  {
    name: 'unknown output type',
    edit: (c) => (c.outputs.devo_1.type = 'kafka'),
    path: 'outputs.devo_1.type',
    fragment: '"devo_platform"',
  },
  {
    name: 'output address missing',
    edit: (c) => delete devo(c).address,
    path: 'outputs.devo_1.config.address',
    fragment: 'is required',
  },
  {
    name: 'output port zero',
    edit: (c) => (devo(c).port = 0),
    path: 'outputs.devo_1.config.port',
    fragment: 'from 1 to 65535',
  },
  {
    name: 'output port not a number',
    edit: (c) => (devo(c).port = 'https'),
    path: 'outputs.devo_1.config.port',
    fragment: 'whole number',
  },
  {
    name: 'output transport type UDP',
    edit: (c) => (devo(c).type = 'UDP'),
    path: 'outputs.devo_1.config.type',
    fragment: '"SSL"',
  },
  {
    name: 'output key typo',
    edit: (c) => ((devo(c).adress = devo(c).address), delete devo(c).address),
    path: 'outputs.devo_1.config.adress',
    fragment: 'did you mean "address"',
  },
  {
    name: 'chain not named',
    edit: (c) => delete devo(c).chain,
    path: 'outputs.devo_1.config.chain',
    fragment: 'is required',
  },
  {
    name: 'cert file missing',
    certs: ['chain.crt', 'devo.key'],
    path: 'outputs.devo_1.config.cert',
    fragment: /certificate file ".*\/certs\/devo\.crt" does not exist/,
  },
  {
    name: 'key file is a directory',
    edit: (c) => (devo(c).key = '../state'),
    path: 'outputs.devo_1.config.key',
    fragment: 'is not a regular file',
  },
  {
    name: 'unknown compression',
    edit: (c) => (devo(c).compression = 'zip'),
    path: 'outputs.devo_1.config.compression',
    fragment: '"none", "gzip"',
  },
  {
    name: 'reconnect cap below the first wait',
    edit: (c) => Object.assign(devo(c), { reconnect_initial_seconds: 10, reconnect_max_seconds: 5 }),
    path: 'outputs.devo_1.config.reconnect_max_seconds',
    fragment: 'at least reconnect_initial_seconds',
  },
  {
    name: 'syslog output without address',
    edit: (c) => (c.outputs.relay = { type: 'syslog', config: { port: 13000 } }),
    path: 'outputs.relay.config.address',
    fragment: 'is required',
  },
  {
    name: 'port inside the address',
    edit: (c) => (devo(c).address = 'collector-eu.devo.io:443'),
    path: 'outputs.devo_1.config.address',
    fragment: 'without scheme or port',
  },
  {
    name: 'devo output over plain TCP',
    edit: (c) => (devo(c).type = 'TCP'),
    path: 'outputs.devo_1.config.type',
    fragment: 'one of "SSL"',
  },
  {
    name: 'client cert on a syslog relay',
    edit: (c) =>
      (c.outputs.relay = { type: 'syslog', config: { address: 'relay', tls: true, cert: 'devo.crt' } }),
    path: 'outputs.relay.config.cert',
    fragment: 'unknown setting',
  },

  // --- inputs
  {
    name: 'no inputs',
    edit: (c) => delete c.inputs,
    path: 'inputs',
    fragment: 'known inputs: microsoft_graph_audit',
  },
  {
    name: 'inputs is a list',
    edit: (c) => (c.inputs = [c.inputs]),
    path: 'inputs',
    fragment: 'expected a mapping',
  },
  {
    name: 'unknown input',
    edit: (c) => (c.inputs.okta = audit(c)),
    path: 'inputs.okta',
    fragment: 'known inputs: microsoft_graph_audit, microsoft_graph_security',
  },
  {
    name: 'misspelt input',
    edit: (c) => ((c.inputs.microsoft_graph_audits = audit(c)), delete c.inputs.microsoft_graph_audit),
    path: 'inputs.microsoft_graph_audits',
    fragment: 'did you mean "microsoft_graph_audit"',
  },
  {
    name: '1.x Graph input key',
    text: GRAPH_1X,
    path: 'inputs.microsoft_graph',
    fragment: /split it into microsoft_graph_audit .*microsoft_graph_security/,
  },
  {
    name: '1.x Graph service names',
    text: GRAPH_1X,
    path: 'inputs.microsoft_graph.services.audit',
    fragment: 'directory_audits',
  },
  {
    name: '1.x tag_version',
    text: GRAPH_1X,
    path: 'inputs.microsoft_graph.services.secure_scores.tag_version',
    fragment: 'cloud.msgraph.security.scores.2',
  },
  {
    name: '1.x service inside a 2.x input',
    edit: (c) => (audit(c).services.signIn = {}),
    path: `${AUDIT}.services.signIn`,
    fragment: 'signIns',
  },
  {
    name: '1.x start_time in a 2.x service',
    edit: (c) => (audit(c).services.signIns = { start_time: '2024-01-01T00:00:00Z' }),
    path: `${AUDIT}.services.signIns.start_time`,
    fragment: 'start_time_in_utc',
  },
  {
    name: 'input is a string',
    edit: (c) => (c.inputs.microsoft_graph_audit = 'yes'),
    path: AUDIT,
    fragment: 'expected a mapping',
  },
  { name: 'input id missing', edit: (c) => delete audit(c).id, path: `${AUDIT}.id`, fragment: 'is required' },
  {
    name: 'input id is a list',
    edit: (c) => (audit(c).id = [1, 2]),
    path: `${AUDIT}.id`,
    fragment: 'expected a string',
  },
  {
    name: 'input id with a slash',
    edit: (c) => (audit(c).id = '../x'),
    path: `${AUDIT}.id`,
    fragment: 'letters, digits',
  },
  {
    name: 'input enabled not a boolean',
    edit: (c) => (audit(c).enabled = 'yes please'),
    path: `${AUDIT}.enabled`,
    fragment: 'true or false',
  },
  {
    name: 'requests_per_second zero',
    edit: (c) => (audit(c).requests_per_second = 0),
    path: `${AUDIT}.requests_per_second`,
    fragment: 'at least 1',
  },
  {
    name: 'unknown input setting',
    edit: (c) => (audit(c).override_base_ur = 'https://x'),
    path: `${AUDIT}.override_base_ur`,
    fragment: 'did you mean "override_base_url"',
  },
  {
    name: 'bad top level domain',
    edit: (c) => (audit(c).override_top_level_domain = 'gov'),
    path: `${AUDIT}.override_top_level_domain`,
    fragment: '"com", "us"',
  },
  {
    name: 'credentials missing',
    edit: (c) => delete audit(c).credentials,
    path: `${AUDIT}.credentials.tenant_id`,
    fragment: 'is required',
  },

  // --- secrets
  {
    name: 'client_secret missing',
    edit: (c) => delete audit(c).credentials.client_secret,
    path: `${AUDIT}.credentials.client_secret`,
    fragment: 'client_secret_file',
  },
  {
    name: 'client_secret not a string',
    edit: (c) => (audit(c).credentials.client_secret = [SECRET]),
    path: `${AUDIT}.credentials.client_secret`,
    fragment: 'expected a string',
  },
  {
    name: 'secret file missing',
    edit: (c) => (
      (audit(c).credentials.client_secret_file = '/nonexistent/graph-secret'),
      delete audit(c).credentials.client_secret
    ),
    path: `${AUDIT}.credentials.client_secret_file`,
    fragment: 'cannot read secret file "/nonexistent/graph-secret": does not exist',
  },
  {
    name: 'secret env var missing',
    edit: (c) => (
      (audit(c).credentials.client_secret_env = 'GRAPH_SECRET'),
      delete audit(c).credentials.client_secret
    ),
    path: `${AUDIT}.credentials.client_secret_env`,
    fragment: 'environment variable "GRAPH_SECRET" is not set',
  },
  {
    name: 'secret env var empty',
    edit: (c) => (
      (audit(c).credentials.client_secret_env = 'EMPTY'),
      delete audit(c).credentials.client_secret
    ),
    env: { EMPTY: '' },
    path: `${AUDIT}.credentials.client_secret_env`,
    fragment: 'is empty',
  },
  {
    name: 'secret pasted into _env',
    edit: (c) => (
      (audit(c).credentials.client_secret_env = SECRET),
      delete audit(c).credentials.client_secret
    ),
    path: `${AUDIT}.credentials.client_secret_env`,
    fragment: 'expected an environment variable name',
  },
  {
    name: 'secret both inline and from a file',
    edit: (c) => (audit(c).credentials.client_secret_file = 'credentials/secret'),
    files: { 'credentials/secret': `${SECRET}\n` },
    path: `${AUDIT}.credentials.client_secret`,
    fragment: 'set only one of client_secret, client_secret_file or client_secret_env',
  },
  {
    name: 'secret file empty',
    edit: (c) => (
      (audit(c).credentials.client_secret_file = 'credentials/secret'),
      delete audit(c).credentials.client_secret
    ),
    files: { 'credentials/secret': '\n' },
    path: `${AUDIT}.credentials.client_secret_file`,
    fragment: 'is empty',
  },

  // --- services
  {
    name: 'services missing',
    edit: (c) => delete audit(c).services,
    path: `${AUDIT}.services`,
    fragment: 'offers: directory_audits',
  },
  {
    name: 'services empty',
    edit: (c) => (audit(c).services = {}),
    path: `${AUDIT}.services`,
    fragment: 'is empty',
  },
  {
    name: 'unknown service',
    edit: (c) => (audit(c).services.signins_v3 = {}),
    path: `${AUDIT}.services.signins_v3`,
    fragment: 'microsoft_graph_audit offers:',
  },
  {
    name: 'service of the other input',
    edit: (c) => (audit(c).services.alerts = {}),
    path: `${AUDIT}.services.alerts`,
    fragment: 'belongs to input microsoft_graph_security',
  },
  {
    name: 'service settings are a list',
    edit: (c) => (audit(c).services.signIns = ['x']),
    path: `${AUDIT}.services.signIns`,
    fragment: 'expected a mapping',
  },
  {
    name: 'negative request period',
    edit: (c) => (audit(c).services.signIns = { request_period_in_seconds: -5 }),
    path: `${AUDIT}.services.signIns.request_period_in_seconds`,
    fragment: 'at least 60',
  },
  {
    name: 'zero request period',
    edit: (c) => (audit(c).services.signIns = { request_period_in_seconds: 0 }),
    path: `${AUDIT}.services.signIns.request_period_in_seconds`,
    fragment: 'got 0',
  },
  {
    name: 'too small request period',
    edit: (c) => (audit(c).services.signIns = { request_period_in_seconds: 59 }),
    path: `${AUDIT}.services.signIns.request_period_in_seconds`,
    fragment: 'at least 60',
  },
  {
    name: 'request period not a number',
    edit: (c) => (audit(c).services.signIns = { request_period_in_seconds: 'often' }),
    path: `${AUDIT}.services.signIns.request_period_in_seconds`,
    fragment: 'whole number',
  },
  {
    name: 'unparseable start time',
    edit: (c) => (audit(c).services.signIns = { start_time_in_utc: 'last tuesday' }),
    path: `${AUDIT}.services.signIns.start_time_in_utc`,
    fragment: 'parseable datetime',
  },
  {
    name: 'start time without zone',
    edit: (c) => (audit(c).services.signIns = { start_time_in_utc: '2024-01-01 00:00:00' }),
    path: `${AUDIT}.services.signIns.start_time_in_utc`,
    fragment: 'parseable datetime',
  },
  {
    name: 'start time in the future',
    edit: (c) => (audit(c).services.signIns = { start_time_in_utc: '2030-01-01T00:00:00Z' }),
    path: `${AUDIT}.services.signIns.start_time_in_utc`,
    fragment: 'must be in the past',
  },
  {
    name: 'start time on a non-time-based service',
    edit: (c) =>
      (c.inputs.microsoft_graph_security.services.secure_score_control_profiles.start_time_in_utc =
        '2024-01-01T00:00:00Z'),
    path: 'inputs.microsoft_graph_security.services.secure_score_control_profiles.start_time_in_utc',
    fragment: 'does not take start_time_in_utc',
  },
  {
    name: 'tag with spaces',
    edit: (c) => (audit(c).services.signIns = { override_tag: 'My Tag!' }),
    path: `${AUDIT}.services.signIns.override_tag`,
    fragment: 'a Devo tag',
  },
  {
    name: 'tag with one level',
    edit: (c) => (audit(c).services.signIns = { override_tag: 'cloud' }),
    path: `${AUDIT}.services.signIns.override_tag`,
    fragment: '2 to 6 dot-separated levels',
  },
  {
    name: 'tag with seven levels',
    edit: (c) => (audit(c).services.signIns = { override_tag: 'a.b.c.d.e.f.g' }),
    path: `${AUDIT}.services.signIns.override_tag`,
    fragment: 'a Devo tag',
  },
  {
    name: 'reset_persistence_auth a mapping',
    edit: (c) => (audit(c).services.signIns = { reset_persistence_auth: { a: 1 } }),
    path: `${AUDIT}.services.signIns.reset_persistence_auth`,
    fragment: 'string, number or boolean',
  },
  {
    name: 'unknown service setting',
    edit: (c) => (audit(c).services.signIns = { additional_filtr: "x eq 'y'" }),
    path: `${AUDIT}.services.signIns.additional_filtr`,
    fragment: 'did you mean "additional_filter"',
  },
];

for (const c of cases) {
  test(c.name, async () => {
    const config = goodConfig();
    c.edit?.(config);
    const layout = writeLayout(c.text ?? config, { certs: c.certs, files: c.files });
    const err = await loadConfig({
      configPath: c.configPath ? c.configPath(layout) : layout.file,
      env: { ...c.env },
      now: NOW,
    }).then(
      () => assert.fail('expected the config to be rejected'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    const errors = err.problems.filter((p) => p.severity === 'error');
    const hit = errors.find(
      (p) =>
        p.path === c.path &&
        (typeof c.fragment === 'string' ? p.message.includes(c.fragment) : c.fragment.test(p.message)),
    );
    if (process.env.SHOW_PROBLEMS)
      console.log(
        `## ${c.name}\n${err.problems.map((p) => `${p.severity} ${p.path}: ${p.message}`).join('\n')}`,
      );
    assert.ok(
      hit,
      `no problem at "${c.path}" matching ${String(c.fragment)}; got:\n${errors.map((p) => `${p.path}: ${p.message}`).join('\n')}`,
    );
    for (const text of [err.message, ...err.problems.map((p) => p.message)]) {
      assert.ok(!text.includes(SECRET), `the secret leaked into: ${text}`);
      assert.ok(!/\n\s+at /.test(text), `a stack trace in: ${text}`);
    }
  });
}

test('the table has at least 35 cases', () => {
  assert.ok(cases.length >= 35);
});

test('every problem is reported at once', async () => {
  const config = goodConfig();
  audit(config).services.signIns = { request_period_in_seconds: 1, override_tag: 'X' };
  delete devo(config).address;
  config.globals.debug = 'sometimes';
  const { file } = writeLayout(config);
  const err = await loadConfig({ configPath: file, env: {}, now: NOW }).catch((e: unknown) => e);
  assert.ok(err instanceof ConfigError);
  assert.deepEqual(
    err.problems
      .filter((p) => p.severity === 'error')
      .map((p) => p.path)
      .sort(),
    [
      'globals.debug',
      `${AUDIT}.services.signIns.override_tag`,
      `${AUDIT}.services.signIns.request_period_in_seconds`,
      'outputs.devo_1.config.address',
    ].sort(),
  );
});
