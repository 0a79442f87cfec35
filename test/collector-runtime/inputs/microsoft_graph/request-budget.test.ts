// A 10-minute simulated run of signIns and directory_audits with a backlog: the runtime must spend at
// least 90 % of Graph's identity budget (5 requests per 10 s, shared) and never earn a 429.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scaledClock } from '../../../../collector-runtime/src/core/clock.ts';
import { generateTestPki } from '../../../support/tls-certs.ts';
import { startRsyslogReceiver } from '../../../support/rsyslog-receiver.ts';
import { startGraphSimulator } from '../../../simulators/graph/server.ts';
import { startGraphRun } from './graph-run.ts';
import { waitFor } from '../../../support/wait.ts';

const SPEED = 20;
const RUN_MS = 10 * 60_000;
let dir: string | undefined;
after(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

test('a backlog uses ≥ 90 % of the identity request budget with zero 429s', async () => {
  dir = await mkdtemp(join(tmpdir(), 'graph-budget-'));
  const pki = await generateTestPki(join(dir, 'pki'));
  const receiver = await startRsyslogReceiver({ pki, dir: join(dir, 'rsyslog'), mode: 'throughput' });
  const clock = scaledClock(SPEED);
  // Small pages and a deep backlog: the runtime always has another request to make.
  const sim = await startGraphSimulator({ clock, pageSize: 25 });
  const t = clock.now();
  sim.addRecords('directory_audits', 6000, { from: t - 6 * 3_600_000, to: t - 60_000 });
  sim.addRecords('signIns_v2', 12000, { from: t - 6 * 3_600_000, to: t - 60_000 });
  const start = new Date(t - 7 * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const run = await startGraphRun({
    home: join(dir, 'home'),
    pki,
    receiverPort: receiver.port,
    sim,
    environment: 'budget',
    clock,
    audit: { signIns: { start_time_in_utc: start }, directory_audits: { start_time_in_utc: start } },
  });
  try {
    const begin = clock.now();
    await waitFor('ten simulated minutes', () => clock.now() >= begin + RUN_MS, RUN_MS / SPEED + 30_000, 100);
    const log = sim
      .stats()
      .requestLog.filter((r) => r.at >= begin && r.at < begin + RUN_MS && /auditLogs/.test(r.path));
    const throttled = log.filter((r) => r.status === 429).length;
    const allowed = (RUN_MS / 10_000) * 5;
    const used = log.filter((r) => r.status === 200).length / allowed;
    assert.equal(throttled, 0, 'no 429 from the identity endpoints');
    assert.ok(used >= 0.9, `used ${(used * 100).toFixed(1)} % of the allowed ${allowed} requests`);
    assert.ok(sim.records('signIns').length > 0 && sim.records('directory_audits').length > 0);
    console.log(
      `request budget: ${log.length} identity requests in 10 simulated minutes = ${(used * 100).toFixed(1)} % of ${allowed}, 429s: ${throttled}`,
    );
  } finally {
    await run.stop();
    await sim.close();
    await receiver.stop();
  }
});
