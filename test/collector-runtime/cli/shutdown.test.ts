// SIGTERM during a pull: the CLI stops pulling, flushes the output queue, persists the checkpoint and
// exits 0; a restart resumes from that checkpoint and the union is exactly the simulator's records.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCollectorCli } from '../../support/collector-cli.ts';
import { generateTestPki, type TestPki } from '../../support/tls-certs.ts';
import { startRsyslogReceiver, type RsyslogReceiver } from '../../support/rsyslog-receiver.ts';
import {
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  SIM_TENANT_ID,
  startGraphSimulator,
  type GraphSimulator,
} from '../../simulators/graph/server.ts';
import { eventsOf, waitFor } from '../inputs/microsoft_graph/graph-run.ts';

let dir: string;
let pki: TestPki;
let receiver: RsyslogReceiver;
let sim: GraphSimulator;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shutdown-'));
  pki = await generateTestPki(join(dir, 'pki'));
  receiver = await startRsyslogReceiver({ pki, dir: join(dir, 'rsyslog') });
  sim = await startGraphSimulator({ pageSize: 100 });
});
after(async () => {
  await sim?.close();
  await receiver?.stop();
  await rm(dir, { recursive: true, force: true });
});

const runCli = (home: string) => runCollectorCli(home, { GRAPH_SECRET: SIM_CLIENT_SECRET });

test('SIGTERM mid-pull flushes, persists and exits 0; the restart resumes with no gap and no duplicate', async () => {
  const now = Date.now();
  sim.addRecords('alerts_v2', 1200, { from: now - 3 * 3_600_000, to: now - 60_000 });
  const home = join(dir, 'home');
  for (const d of ['certs', 'config']) await mkdir(join(home, d), { recursive: true });
  await copyFile(pki.caCert, join(home, 'certs', 'chain.crt'));
  await copyFile(pki.clientCert, join(home, 'certs', 'domain.crt'));
  await copyFile(pki.clientKey, join(home, 'certs', 'domain.key'));
  const config = {
    globals: {
      id: 'cli',
      name: 'shutdown',
      metrics: { host: '127.0.0.1', port: 0 },
      shutdown_timeout_seconds: 15,
    },
    outputs: {
      devo_1: {
        type: 'devo_platform',
        config: {
          address: 'localhost',
          port: receiver.port,
          chain: 'chain.crt',
          cert: 'domain.crt',
          key: 'domain.key',
        },
      },
    },
    inputs: {
      microsoft_graph_security: {
        id: 'sec',
        environment: 'shutdown',
        requests_per_second: 2, // slow enough that SIGTERM lands mid-pull
        credentials: {
          tenant_id: SIM_TENANT_ID,
          client_id: SIM_CLIENT_ID,
          client_secret_env: 'GRAPH_SECRET',
        },
        override_base_url: sim.url,
        override_login_url: `${sim.url}/`,
        services: {
          alerts_v2: {
            start_time_in_utc: new Date(now - 4 * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
          },
        },
      },
    },
  };
  await writeFile(join(home, 'config', 'config.yaml'), stringify(config));
  const received = async () => eventsOf(await receiver.lines(), 'shutdown');

  const first = runCli(home);
  await waitFor(async () => (await received()).length >= 200, 60_000, 'the first pages');
  first.child.kill('SIGTERM');
  const t0 = Date.now();
  assert.equal(await first.exit, 0, first.logs());
  assert.ok(Date.now() - t0 < 15_000, 'stopped within the shutdown bound');
  assert.match(first.logs(), /"msg":"Stopped the collector"/);
  assert.doesNotMatch(first.logs(), new RegExp(SIM_CLIENT_SECRET.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));

  const stateFile = join(home, 'state', 'microsoft_graph_security.sec.alerts_v2.json');
  const state = JSON.parse(await readFile(stateFile, 'utf8'));
  const delivered = new Set((await received()).map((e) => `${e.record.id}@${e.record.lastUpdateDateTime}`));
  const checkpointed: string[] = state.data.last_ids.map(([k]: [string]) => k);
  assert.ok(
    checkpointed.length > 0 && checkpointed.length < 1200,
    `stopped mid-pull (${checkpointed.length} checkpointed)`,
  );
  for (const k of checkpointed)
    assert.ok(delivered.has(k), `checkpointed ${k} was delivered before the checkpoint`);

  const second = runCli(home);
  try {
    await waitFor(async () => (await received()).length >= 1200, 90_000, 'the rest after the restart');
    await new Promise((r) => setTimeout(r, 1000));
    const ids = (await received()).map((e) => String(e.record.id)).sort();
    assert.deepEqual(
      ids,
      sim
        .records('alerts_v2')
        .map((r) => r.id)
        .sort(),
    );
  } finally {
    second.child.kill('SIGTERM');
    assert.equal(await second.exit, 0);
  }
});
