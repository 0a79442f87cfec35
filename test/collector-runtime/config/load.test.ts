// loadConfig: where the file is found, what the defaults are, warnings, secrets from files and env.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../../collector-runtime/src/config/load.ts';
import {
  defaultGlobalsConfig,
  defaultInputSettings,
  defaultServiceConfig,
} from '../../../collector-runtime/src/config/defaults.ts';
import { validateConfig } from '../../../collector-runtime/src/config/validate.ts';
import type { ValidateContext } from '../../../collector-runtime/src/config/validate.ts';
import { inputRegistry } from '../../../collector-runtime/src/inputs/registry.ts';
import type { InputDefinition } from '../../../collector-runtime/src/inputs/definition.ts';
import { fail, str } from '../../../collector-runtime/src/config/schema.ts';
import { ConfigError } from '../../../collector-runtime/src/core/errors.ts';
import { streamSinkDefaults } from '../../../collector-runtime/src/output/stream-sink-options.ts';
import { goodConfig, NOW, removeLayouts, SECRET, writeLayout } from './config-fixture.ts';

after(removeLayouts);

const graphAudit = inputRegistry.get('microsoft_graph_audit')!;

/** Only what the seeds mark mandatory. */
function minimalConfig() {
  return {
    globals: { id: 'c1', name: 'minimal' },
    outputs: {
      devo_1: {
        type: 'devo_platform',
        config: { address: 'collector-eu.devo.io', chain: 'chain.crt', cert: 'devo.crt', key: 'devo.key' },
      },
    },
    inputs: {
      microsoft_graph_audit: {
        id: 'a1',
        credentials: { tenant_id: 't', client_id: 'c', client_secret: SECRET },
        services: { signIns: null },
      },
    },
  };
}

test('CONFIG_FILE names a file under <home>/config/ and the Docker layout gives certs/ and state/', async () => {
  const { dir } = writeLayout(goodConfig(), { name: 'graph.yaml' });
  const { config, file } = await loadConfig({
    env: { CONFIG_FILE: 'graph.yaml', DEVO_COLLECTOR_HOME: dir },
    now: NOW,
  });
  assert.equal(file, join(dir, 'config', 'graph.yaml'));
  assert.deepEqual(config.paths, {
    base: dir,
    certs: join(dir, 'certs'),
    config: join(dir, 'config'),
    state: join(dir, 'state'),
  });
  assert.equal(config.outputs.devo_1!.config.cert, join(dir, 'certs', 'devo.crt'));
});

test('CONFIG_FILE resolves under baseDir when DEVO_COLLECTOR_HOME is unset; it defaults to config.yaml', async () => {
  const { dir } = writeLayout(goodConfig());
  const { file, config } = await loadConfig({ env: {}, baseDir: dir, now: NOW });
  assert.equal(file, join(dir, 'config', 'config.yaml'));
  assert.equal(config.paths.base, dir);
});

test('--config wins over CONFIG_FILE; the base is the parent of a directory named config', async () => {
  const { dir, file } = writeLayout(goodConfig());
  const loaded = await loadConfig({ configPath: file, env: { CONFIG_FILE: 'other.yaml' }, now: NOW });
  assert.equal(loaded.file, file);
  assert.equal(loaded.config.paths.base, dir);
});

test('a config file outside a config/ directory makes its own directory the base', async () => {
  const { dir } = writeLayout(goodConfig(), { files: { 'custom/collector.yaml': stringify(goodConfig()) } });
  const file = join(dir, 'custom', 'collector.yaml');
  const err = await loadConfig({ configPath: file, env: {}, now: NOW }).catch((e: unknown) => e);
  assert.ok(err instanceof ConfigError);
  assert.ok(
    err.problems.some((p) =>
      p.message.includes(`"${join(dir, 'custom', 'certs', 'chain.crt')}" does not exist`),
    ),
  );
  const home = await loadConfig({ configPath: file, env: { DEVO_COLLECTOR_HOME: dir }, now: NOW });
  assert.equal(home.config.paths.base, dir);
  assert.equal(home.config.paths.config, join(dir, 'custom'));
});

test('a missing CONFIG_FILE says where it looked and how to name another file', async () => {
  const { dir } = writeLayout(goodConfig());
  const err = await loadConfig({ env: { CONFIG_FILE: 'missing.yaml', DEVO_COLLECTOR_HOME: dir } }).catch(
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError);
  assert.match(
    err.problems[0]!.message,
    /config file ".*\/config\/missing\.yaml" does not exist \(from CONFIG_FILE=missing\.yaml; use --config PATH/,
  );
});

test('an input, its services and globals with only required keys get the documented defaults', async () => {
  const { file, dir } = writeLayout(minimalConfig());
  const { config, warnings } = await loadConfig({ configPath: file, env: {}, now: NOW });
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.globals, defaultGlobalsConfig('c1', 'minimal'));
  assert.deepEqual(config.globals, {
    debug: false,
    id: 'c1',
    name: 'minimal',
    persistence: { type: 'filesystem', config: { directory_name: 'state' } },
    metrics: { host: '0.0.0.0', port: 9464 },
    shutdown_timeout_seconds: 30,
  });
  assert.deepEqual(config.outputs.devo_1, {
    type: 'devo_platform',
    config: {
      ...streamSinkDefaults,
      address: 'collector-eu.devo.io',
      port: 443,
      type: 'SSL',
      concurrent_connections: 1,
      verify_hostname: true,
      chain: join(dir, 'certs', 'chain.crt'),
      cert: join(dir, 'certs', 'devo.crt'),
      key: join(dir, 'certs', 'devo.key'),
    },
  });
  const [input] = config.inputs;
  assert.deepEqual(input!.config, {
    ...defaultInputSettings(graphAudit),
    id: 'a1',
    credentials: { tenant_id: 't', client_id: 'c', client_secret: SECRET },
  });
  assert.equal(input!.config.enabled, true);
  assert.equal(input!.config.override_top_level_domain, 'com');
  assert.deepEqual(input!.services, [
    { name: 'signIns', config: defaultServiceConfig(graphAudit.services.signIns!) },
  ]);
  assert.equal(input!.services[0]!.config.request_period_in_seconds, 300);
  assert.equal(input!.services[0]!.config.start_time_in_utc, undefined);
});

test('the result is deeply frozen', async () => {
  const { file } = writeLayout(goodConfig());
  const { config } = await loadConfig({ configPath: file, env: {}, now: NOW });
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.inputs[0]!.services[0]!.config));
  assert.ok(Object.isFrozen(config.globals.persistence));
  assert.throws(() => {
    (config.globals as { debug: boolean }).debug = true;
  }, TypeError);
});

test('values are converted: numeric ids to strings, start times to epoch ms; disabled services are left out', async () => {
  const c = goodConfig();
  c.inputs.microsoft_graph_audit.services.signIns = { enabled: false };
  const { file } = writeLayout(c);
  const { config } = await loadConfig({ configPath: file, env: {}, now: NOW });
  const audit = config.inputs.find((i) => i.name === 'microsoft_graph_audit')!;
  assert.equal(audit.config.id, '10001');
  assert.deepEqual(
    audit.services.map((s) => s.name),
    ['directory_audits'],
  );
  assert.equal(audit.services[0]!.config.start_time_in_utc, Date.parse('2024-06-01T00:00:00Z'));
});

test('a disabled input is listed with no services to run', async () => {
  const c = goodConfig();
  c.inputs.microsoft_graph_security.enabled = false;
  const { file } = writeLayout(c);
  const { config } = await loadConfig({ configPath: file, env: {}, now: NOW });
  const security = config.inputs.find((i) => i.name === 'microsoft_graph_security')!;
  assert.equal(security.config.enabled, false);
  assert.deepEqual(security.services, []);
});

test('unknown globals are warnings ("Illegal global setting has been ignored"), not errors', async () => {
  const c = goodConfig();
  c.globals.multiprocessing = false;
  c.globals.debg = true;
  const { file } = writeLayout(c);
  const { config, warnings } = await loadConfig({ configPath: file, env: {}, now: NOW });
  assert.deepEqual(warnings, [
    {
      path: 'globals.multiprocessing',
      message: 'Illegal global setting has been ignored',
      severity: 'warning',
    },
    {
      path: 'globals.debg',
      message: 'Illegal global setting has been ignored; did you mean "debug"?',
      severity: 'warning',
    },
  ]);
  assert.equal('multiprocessing' in config.globals, false);
});

test("the seeds' misspelt request_per_second is accepted with a warning", async () => {
  const c = goodConfig();
  c.inputs.microsoft_graph_audit.request_per_second = 5;
  const { file } = writeLayout(c);
  const { config, warnings } = await loadConfig({ configPath: file, env: {}, now: NOW });
  assert.equal(config.inputs[0]!.config.requests_per_second, 5);
  assert.deepEqual(
    warnings.map((w) => w.path),
    ['inputs.microsoft_graph_audit.request_per_second'],
  );
});

test('secrets come from a file (trailing newline trimmed, relative to the base) or an environment variable', async () => {
  const c = goodConfig();
  delete c.inputs.microsoft_graph_audit.credentials.client_secret;
  c.inputs.microsoft_graph_audit.credentials.client_secret_file = 'credentials/graph-secret';
  delete c.inputs.microsoft_graph_security.credentials.client_secret;
  c.inputs.microsoft_graph_security.credentials.client_secret_env = 'GRAPH_CLIENT_SECRET';
  const { file } = writeLayout(c, { files: { 'credentials/graph-secret': `${SECRET}-file\n` } });
  const { config } = await loadConfig({
    configPath: file,
    env: { GRAPH_CLIENT_SECRET: `${SECRET}-env` },
    now: NOW,
  });
  const [audit, security] = config.inputs;
  assert.equal(audit!.config.credentials.client_secret, `${SECRET}-file`);
  assert.equal('client_secret_file' in audit!.config.credentials, false);
  assert.equal(security!.config.credentials.client_secret, `${SECRET}-env`);
});

test('an absolute state directory and absolute certificate paths are kept as they are', async () => {
  const { dir } = writeLayout(goodConfig());
  const c = goodConfig();
  c.globals.persistence.config.directory_name = join(dir, 'elsewhere');
  c.outputs.devo_1.config.chain = join(dir, 'certs', 'chain.crt');
  const again = writeLayout(c);
  const { config } = await loadConfig({ configPath: again.file, env: {}, now: NOW });
  assert.equal(config.paths.state, join(dir, 'elsewhere'));
  assert.equal(config.outputs.devo_1!.config.chain, join(dir, 'certs', 'chain.crt'));
});

test('a JSON config file loads too (JSON is YAML)', async () => {
  const { file } = writeLayout(JSON.stringify(goodConfig(), null, 2), { name: 'config.json' });
  const { config } = await loadConfig({ configPath: file, env: {}, now: NOW });
  assert.equal(config.inputs.length, 2);
});

test('the Graph 2.x product-document example (placeholders filled) loads as is', async () => {
  const seedLike = `
globals:
  debug: false
  id: not_used
  name: graph
  persistence:
    type: filesystem
    config:
      directory_name: state
outputs:
  devo_us_1:
    type: devo_platform
    config:
      address: collector-us.devo.io
      port: 443
      type: SSL
      chain: chain.crt
      cert: devo.crt
      key: devo.key
inputs:
  microsoft_graph_audit:
    id: 1
    enabled: true
    credentials:
      tenant_id: tid
      client_id: cid
      client_secret: ${SECRET}
    environment: prod
    override_top_level_domain: us
    override_base_url: https://graph.microsoft.us
    override_login_url: https://login.microsoftonline.us/
    override_scope_value: https://graph.microsoft.us/.default
    services:
      directory_audits:
        request_period_in_seconds: 600
        start_time_in_utc: 2024-01-01T00:00:01Z
        additional_filter: "category eq 'UserManagement'"
        override_tag: my.app.graph.audit
        override_query_window_max_seconds: 3600
      provisioning_audits:
      signIns:
      signIns_v2:
  microsoft_graph_security:
    id: 2
    enabled: true
    credentials:
      tenant_id: tid
      client_id: cid
      client_secret: ${SECRET}
    services:
      secure_score_control_profiles:
        request_period_in_seconds: 3600
      secure_scores:
      alerts:
        override_tag: cloud.msgraph.security.alerts.2
      alerts_v2:
`;
  const { file } = writeLayout(seedLike);
  const { config, warnings } = await loadConfig({ configPath: file, env: {}, now: NOW });
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    config.inputs.map((i) => [i.name, i.services.length]),
    [
      ['microsoft_graph_audit', 4],
      ['microsoft_graph_security', 4],
    ],
  );
  const directory = config.inputs[0]!.services[0]!.config;
  assert.equal(directory.override_tag, 'my.app.graph.audit');
  assert.equal(directory.start_time_in_utc, Date.parse('2024-01-01T00:00:01Z'));
});

test('validateConfig is pure: fake files and env, and legacy detection runs for unknown input keys', () => {
  const legacySeen: string[] = [];
  const fake: InputDefinition = {
    name: 'fake_source',
    stability: 'alpha',
    description: 'test double',
    credentials: { token: { rule: str({ min: 1, secret: true }), required: true } },
    settings: {},
    services: {},
    detectLegacy(raw, path, walk) {
      legacySeen.push(path);
      if ('old_setting' in raw) fail(walk, `${path}.old_setting`, 'is a 1.x setting: use new_setting');
    },
  };
  const ctx: ValidateContext = {
    now: NOW,
    env: {},
    paths: { base: '/b', certs: '/b/certs', config: '/b/config', state: '/b/state' },
    files: {
      readText: () => ({ error: 'does not exist' }),
      checkReadable: () => undefined,
      checkDirectory: () => undefined,
    },
    registry: new Map([['fake_source', fake]]),
    legacyInputs: { fake_v1: 'fake_v1 is the 1.x input: rename it to fake_source' },
  };
  const { config, problems } = validateConfig(
    {
      globals: { id: 'x', name: 'y' },
      outputs: { out: { type: 'console' } },
      inputs: { fake_v1: { old_setting: 1 } },
    },
    ctx,
  );
  assert.equal(config, undefined);
  assert.deepEqual(legacySeen, ['inputs.fake_v1']);
  assert.deepEqual(
    problems.map((p) => `${p.path}: ${p.message}`),
    [
      'inputs.fake_v1: fake_v1 is the 1.x input: rename it to fake_source',
      'inputs.fake_v1.old_setting: is a 1.x setting: use new_setting',
    ],
  );
});

test('syslog and console outputs get their own defaults; a relay CA file resolves under certs/', async () => {
  const c = goodConfig();
  c.outputs.relay = { type: 'syslog', config: { address: '10.0.0.5', tls: true, chain: 'chain.crt' } };
  c.outputs.screen = { type: 'console' };
  const { dir, file } = writeLayout(c);
  const { config } = await loadConfig({ configPath: file, env: {}, now: NOW });
  assert.deepEqual(config.outputs.relay, {
    type: 'syslog',
    config: {
      ...streamSinkDefaults,
      address: '10.0.0.5',
      port: 13000,
      tls: true,
      verify_hostname: true,
      chain: join(dir, 'certs', 'chain.crt'),
    },
  });
  assert.deepEqual(config.outputs.screen, { type: 'console', config: {} });
});
