// The office365 input on the ConfigMap state store (1 MiB for the whole collector): the default Bloom
// filter (10M records, 36.9 MiB) cannot persist there, so the real CLI says so at start-up with what it
// will keep, and the checkpoints in the ConfigMap hold exactly that: no filter, the newest recent hashes
// that fit in the service's share (an eighth of 1 MiB), oldest first, ending with the last record sent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { contentHash } from '../../../../collector-runtime/src/dedup/event-key.ts';
import { runCollectorCli } from '../../../support/collector-cli.ts';
import { startKubeApiTestServer, type KubeApiTestServer } from '../../../support/kube-api-server/server.ts';
import { parseLogLine } from '../../../support/log-lines.ts';
import { generateTestPki, type TestPki } from '../../../support/tls-certs.ts';
import { startRsyslogReceiver, type RsyslogReceiver } from '../../../support/rsyslog-receiver.ts';
import { waitFor } from '../../../support/wait.ts';
import { SIM_CLIENT_SECRET, startOffice365Simulator } from '../../../simulators/office365/server.ts';
import { eventsOf } from '../microsoft_graph/graph-run.ts';
import { writeOffice365Config } from './office365-run.ts';

const DAY = 86_400_000;
const SHARE_BYTES = 2 ** 20 / 8;
/** Hashes of 16 bytes whose base64 fits in the share. */
const HASHES_KEPT = Math.floor(((SHARE_BYTES / 4) * 3) / 16);
const RECORDS = 8000;
let dir: string;
let pki: TestPki;
let receiver: RsyslogReceiver;
let kube: KubeApiTestServer;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'o365-cm-'));
  pki = await generateTestPki(join(dir, 'pki'));
  receiver = await startRsyslogReceiver({ pki, dir: join(dir, 'rsyslog') });
  kube = await startKubeApiTestServer();
});
after(async () => {
  await receiver?.stop();
  await kube?.close();
  await rm(dir, { recursive: true, force: true });
});

interface DedupState {
  data: { dedup: { filter?: unknown; buffer: string } };
}

test('ConfigMap state: a start-up warning says what persists, and the ConfigMap keeps exactly that', async (t) => {
  const sim = await startOffice365Simulator({ seed: 23, pageSize: 20 });
  t.after(() => sim.close());
  const now = Date.now();
  sim.addActivity(
    'Audit.SharePoint',
    RECORDS,
    { from: now - 6 * DAY, to: now - 4 * DAY },
    { blobSize: [20, 60] },
  );
  const home = join(dir, 'home');
  const environment = 'o365-configmap';
  const file = await writeOffice365Config({
    home,
    pki,
    receiverPort: receiver.port,
    sim,
    environment,
    // The default filter size and buffer (10,000,000 and 100,000).
    services: {
      sharepoint: { start_time_in_utc: new Date(now - 6.5 * DAY).toISOString().replace(/\.\d+Z$/, 'Z') },
    },
  });
  const config = parse(await readFile(file, 'utf8')) as { globals: Record<string, unknown> };
  config.globals.persistence = { type: 'configmap', config: { name: 'o365-state', namespace: 'default' } };
  await writeFile(file, stringify(config));

  const cli = runCollectorCli(home, {
    O365_SECRET: SIM_CLIENT_SECRET,
    KUBECONFIG: await kube.writeKubeconfigFile(dir),
  });
  t.after(async () => {
    cli.child.kill('SIGTERM');
    await cli.exit;
  });
  const logs = () =>
    cli
      .logs()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => parseLogLine(l));

  const warning = await waitFor('the dedup start-up warning', () =>
    logs().find((l) => l.level === 40 && 'filterPersisted' in l),
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${cli.logs().slice(-3000)}`);
  });
  assert.equal(warning.filterPersisted, false);
  assert.equal(warning.recentHashesPersisted, HASHES_KEPT);
  assert.equal(warning.bufferSize, 100_000);
  assert.equal(warning.stateLimitBytes, SHARE_BYTES);
  assert.equal(warning.filterMiB, 36.9);

  const distinct = sim.distinct('Audit.SharePoint').length;
  assert.ok(distinct > HASHES_KEPT, `${distinct} records: more than the ConfigMap keeps`);
  await receiver.waitForCount(distinct, 90_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${cli.logs().slice(-3000)}`);
  });
  const sent = eventsOf(await receiver.lines(), environment);
  // The record text the runtime hashed: the line's JSON without the Devo fields spliced in at its end.
  const hashes = sent.map(({ record }) => {
    const { '@devo_pulling_id': _id, '@devo_environment': _env, ...original } = record;
    return contentHash(JSON.stringify(original));
  });
  const expected = Buffer.from(hashes.slice(-HASHES_KEPT).join(''), 'latin1').toString('base64');
  // The checkpoint after the last page lands once its events are written.
  const saved = await waitFor(
    'the last checkpoint in the ConfigMap',
    () => {
      const cm = kube.getObject('v1', 'ConfigMap', 'o365-state', 'default') as
        { data?: Record<string, string> } | undefined;
      const raw = cm?.data?.['office365.o365.sharepoint'];
      const state = raw === undefined ? undefined : (JSON.parse(raw) as DedupState);
      return state?.data.dedup.buffer === expected && state;
    },
    30_000,
  );
  assert.equal(saved.data.dedup.filter, undefined, 'the filter is not in the ConfigMap');
  assert.equal(Buffer.from(saved.data.dedup.buffer, 'base64').length / 16, HASHES_KEPT);
});
