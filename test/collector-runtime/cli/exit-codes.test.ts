// The CLI's exit codes, through the real child process: a fatal start-up error exits 1 at once with its
// message; SIGTERM in every state of the output (connecting, backing off, receiver hung, resend pending)
// ends within shutdown_timeout_seconds with exit 0. (SIGTERM mid-pull: shutdown.test.ts.)
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../../support/rsyslog-receiver.ts';
import { waitFor } from '../../support/wait.ts';
import { startGraphSimulator } from '../../simulators/graph/server.ts';
import { eventsOf } from '../inputs/microsoft_graph/graph-run.ts';
import { runCli, writeGraphCliHome, type CliRun } from './cli-run.ts';
import { receiverFixtureForFile } from '../../support/receiver-fixture.ts';

const SHUTDOWN_SECONDS = 4;
const fx = receiverFixtureForFile('exit-codes', async () => {
  const sim = await startGraphSimulator({ pageSize: 100 });
  const now = Date.now();
  sim.addRecords('alerts_v2', 2000, { from: now - 3 * 3_600_000, to: now - 60_000 });
  return sim;
});
let homes = 0;

/** Starts the CLI on a fresh home (fresh state: it pulls from the start) against `devoPort`. */
async function start(
  t: TestContext,
  name: string,
  devoPort: number,
  extra: { globals?: Record<string, unknown>; output?: Record<string, unknown> } = {},
): Promise<CliRun> {
  const home = join(fx.dir, `home-${++homes}`);
  await writeGraphCliHome(home, fx.pki, {
    name,
    devoPort,
    simUrl: fx.sim.url,
    inputSettings: { requests_per_second: 4 },
    services: {
      alerts_v2: {
        start_time_in_utc: new Date(Date.now() - 4 * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    },
    globals: { shutdown_timeout_seconds: SHUTDOWN_SECONDS, ...extra.globals },
    output: { reconnect_initial_seconds: 20, reconnect_max_seconds: 20, ...extra.output },
  });
  const run = runCli(home);
  t.after(() => run.child.kill('SIGKILL'));
  // Generous: a child's start-up takes seconds on a loaded machine.
  await waitFor(
    'the collector to start',
    () => run.records().some((r) => r.msg === 'Started the collector'),
    60_000,
  );
  return run;
}

/** SIGTERM, then the exit code and how long the stop took. */
async function stop(run: CliRun, what: string): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  run.child.kill('SIGTERM');
  const code = await run.exit;
  const ms = Date.now() - t0;
  console.log(`${what}: exit ${code} after ${ms} ms (shutdown_timeout_seconds ${SHUTDOWN_SECONDS})`);
  run.records(); // every log line parses, no key repeated
  return { code, ms };
}

test('the metrics port taken: exit 1 at once, saying which port and what to do', async (t) => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.after(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const home = join(fx.dir, `home-${++homes}`);
  await writeGraphCliHome(home, fx.pki, {
    name: 'port-taken',
    devoPort: fx.receiver.port,
    simUrl: fx.sim.url,
    services: { alerts_v2: {} },
    globals: { metrics: { host: '127.0.0.1', port } },
  });
  const t0 = Date.now();
  const run = runCli(home);
  t.after(() => run.child.kill('SIGKILL'));
  const code = await run.exit;
  console.log(`metrics port taken: exit ${code} after ${Date.now() - t0} ms`);
  assert.equal(code, 1, run.logs());
  assert.match(run.logs(), new RegExp(`127\\.0\\.0\\.1:${port}.*globals\\.metrics\\.port`));
  const fatal = run.records().find((r) => r.level === 60);
  assert.ok(fatal, 'a fatal log line');
  assert.equal((fatal.err as { code?: string }).code, 'CR_ERR_STARTUP');
});

test('SIGTERM while connecting (TLS handshake never answered): exit 0 within the bound', async (t) => {
  const sockets: Socket[] = [];
  const silent: Server = createServer((s) => sockets.push(s)); // accepts, never speaks TLS
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const run = await start(t, 'connecting', (silent.address() as { port: number }).port, {
    output: { connect_timeout_seconds: 60 },
  });
  await waitFor('a connection attempt', () => sockets.length > 0);
  const { code, ms } = await stop(run, 'connecting');
  assert.equal(code, 0, run.logs());
  assert.ok(ms < SHUTDOWN_SECONDS * 1000, `stopped in ${ms} ms`);
});

test('SIGTERM while backing off (Devo refuses): exit 0 within the bound', async (t) => {
  const run = await start(t, 'backoff', await freePort());
  await waitFor(
    'a failed connect',
    () => run.records().some((r) => r.msg === 'Failed to connect to Devo'),
    30_000,
  );
  const { code, ms } = await stop(run, 'backing off');
  assert.equal(code, 0, run.logs());
  assert.ok(ms < SHUTDOWN_SECONDS * 1000, `stopped in ${ms} ms`);
});

test('SIGTERM with the receiver hung, and with a resend pending after it crashed: exit 0 within the bound', async (t) => {
  const received = async () => eventsOf(await fx.receiver.lines(), 'hung').length;
  const hung = await start(t, 'hung', fx.receiver.port);
  await waitFor('events flowing', async () => (await received()) > 100, 30_000);
  fx.receiver.hang();
  try {
    const { code, ms } = await stop(hung, 'receiver hung');
    assert.equal(code, 0, hung.logs());
    assert.ok(ms < SHUTDOWN_SECONDS * 1000, `stopped in ${ms} ms`);
  } finally {
    fx.receiver.resume();
  }

  const resending = await start(t, 'resending', fx.receiver.port);
  await waitFor(
    'events flowing',
    async () => eventsOf(await fx.receiver.lines(), 'resending').length > 100,
    30_000,
  );
  fx.receiver.hang();
  await new Promise((r) => setTimeout(r, 500));
  await fx.receiver.kill('SIGKILL'); // connections reset: everything unread is queued for resend, Devo is down
  try {
    await waitFor('the loss to be noticed', () =>
      resending.records().some((r) => r.msg === 'Lost connection to Devo'),
    );
    const { code, ms } = await stop(resending, 'resend pending');
    assert.equal(code, 0, resending.logs());
    assert.ok(ms < SHUTDOWN_SECONDS * 1000, `stopped in ${ms} ms`);
  } finally {
    await fx.receiver.restart();
  }
});
