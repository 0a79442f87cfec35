// End to end: Graph simulator → the real runtime → rsyslog over mutual TLS. Simulated time runs 20×
// faster for both the runtime and the simulator, so request budgets and periods hold as in production.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { scaledClock } from '../../../../collector-runtime/src/core/clock.ts';
import { startGraphSimulator, type GraphService } from '../../../simulators/graph/server.ts';
import {
  ALERT_FALLBACK_TAG,
  ALERT_PROVIDER_TAGS,
  SIGN_IN_TYPE_TAGS,
} from '../../../../collector-runtime/src/inputs/microsoft_graph/services.ts';
import { waitFor } from '../../../support/wait.ts';
import {
  eventsOf,
  startGraphRun,
  type GraphRun,
  type GraphRunOptions,
  type ReceivedEvent,
} from './graph-run.ts';
import { receiverFixtureForFile } from '../../../support/receiver-fixture.ts';

const SPEED = 20;
const MIN = 60_000;
const fx = receiverFixtureForFile('graph-e2e');

let runs = 0;
async function setup(simOpts: Parameters<typeof startGraphSimulator>[0] = {}) {
  const clock = scaledClock(SPEED);
  const sim = await startGraphSimulator({ clock, seed: ++runs, ...simOpts });
  const environment = `e2e-${runs}`;
  const home = join(fx.dir, environment);
  const start = new Date(clock.now() - 3 * 60 * MIN).toISOString().replace(/\.\d+Z$/, 'Z');
  const launch = (services: Pick<GraphRunOptions, 'audit' | 'security'>): Promise<GraphRun> =>
    startGraphRun({
      home,
      pki: fx.pki,
      receiverPort: fx.receiver.port,
      sim,
      environment,
      clock,
      ...services,
    });
  return { clock, sim, environment, home, start, launch };
}

async function received(environment: string): Promise<ReceivedEvent[]> {
  return eventsOf(await fx.receiver.lines(), environment);
}

function ids(events: ReceivedEvent[]): string[] {
  return events.map((e) => String(e.record.id)).sort();
}

function assertExactlyOnce(events: ReceivedEvent[], expected: readonly { id: string }[], what: string) {
  const got = ids(events);
  const want = expected.map((r) => r.id).sort();
  const dupes = got.filter((id, i) => got[i - 1] === id);
  assert.deepEqual(dupes, [], `${what}: duplicates delivered`);
  assert.deepEqual(got, want, `${what}: delivered ids differ from the simulator's records`);
}

test('every service delivers every record exactly once with its tag, across paging, empty pages and served duplicates', async () => {
  const { clock, sim, environment, start, launch } = await setup({ pageSize: 250 });
  const t = clock.now();
  const range = { from: t - 120 * MIN, to: t - 5 * MIN };
  sim.addRecords('directory_audits', 1500, range);
  sim.addRecords('provisioning_audits', 300, range);
  sim.addRecords('signIns_v2', 1200, range);
  sim.addRecords('alerts', 300, range);
  sim.addRecords('alerts_v2', 300, range);
  sim.addRecords('secure_scores', 1, range);
  sim.scenario.emptyPageEvery = 2;
  sim.scenario.duplicateEvery = 2;
  const s = { start_time_in_utc: start, request_period_in_seconds: 60 };
  const run = await launch({
    audit: { directory_audits: s, provisioning_audits: s, signIns: s, signIns_v2: s },
    security: {
      alerts: s,
      alerts_v2: s,
      secure_scores: s,
      secure_score_control_profiles: { request_period_in_seconds: 60 },
    },
  });
  try {
    const services: GraphService[] = [
      'directory_audits',
      'provisioning_audits',
      'signIns',
      'signIns_v2',
      'alerts',
      'alerts_v2',
      'secure_scores',
      'secure_score_control_profiles',
    ];
    const total = services.reduce((n, sv) => n + sim.records(sv).length, 0);
    await waitFor(
      `${total} events`,
      async () => (await received(environment)).length >= total,
      90_000,
      100,
    ).catch(async (err) => {
      const tags: Record<string, number> = {};
      for (const e of await received(environment)) tags[e.tag] = (tags[e.tag] ?? 0) + 1;
      const want = Object.fromEntries(services.map((sv) => [sv, sim.records(sv).length]));
      const problems = run.logs.filter((l) => Number(l.level) >= 40).slice(0, 5);
      throw new Error(
        `${(err as Error).message}: got ${JSON.stringify(tags)}, want ${JSON.stringify(want)}, logs ${JSON.stringify(problems)}`,
      );
    });
    // One more pull of every service must add nothing.
    await new Promise((r) => setTimeout(r, (65 * 1000) / SPEED));
    const events = await received(environment);
    const byTag = (pred: (tag: string) => boolean) => events.filter((e) => pred(e.tag));
    const fixedTags: [GraphService, string][] = [
      ['directory_audits', 'cloud.azure.ad.audit.2.msgraph'],
      ['provisioning_audits', 'cloud.azure.ad.provisioning.2.msgraph'],
      ['signIns', 'cloud.azure.ad.signin.2.msgraph'],
      ['alerts_v2', 'cloud.msgraph.security.alerts_v2.2'],
      ['secure_scores', 'cloud.office365.security.scores.2.msgraph'],
      ['secure_score_control_profiles', 'cloud.office365.security.scorecontrol.2.msgraph'],
    ];
    for (const [service, tag] of fixedTags)
      assertExactlyOnce(
        byTag((t) => t === tag),
        sim.records(service),
        service,
      );
    const v2Tags = new Set(Object.values(SIGN_IN_TYPE_TAGS));
    const v2 = byTag((tag) => v2Tags.has(tag));
    assertExactlyOnce(v2, sim.records('signIns_v2'), 'signIns_v2');
    for (const e of v2)
      assert.equal(e.tag, SIGN_IN_TYPE_TAGS[String((e.record.signInEventTypes as string[])[0])]);
    const alertTags = new Set([...Object.values(ALERT_PROVIDER_TAGS), ALERT_FALLBACK_TAG]);
    const alerts = byTag((tag) => alertTags.has(tag));
    assertExactlyOnce(alerts, sim.records('alerts'), 'alerts');
    for (const e of alerts) {
      const provider = String((e.record.vendorInformation as { provider: string }).provider);
      assert.equal(e.tag, ALERT_PROVIDER_TAGS[provider] ?? ALERT_FALLBACK_TAG, `alert from ${provider}`);
    }
    assert.ok(
      alerts.some((e) => e.tag === ALERT_FALLBACK_TAG),
      'an unknown provider falls back to the 2.x fallback tag',
    );
    for (const e of events) {
      assert.equal(typeof e.record['@devo_pulling_id'], 'number');
      assert.equal(e.record['@devo_environment'], environment);
    }
    assert.ok(
      sim.stats().emptyPages > 0 && sim.stats().duplicatesServed > 0,
      'the scenario served empty pages and duplicates',
    );
    const metrics = await run.runtime.metrics.registry.getSingleMetricAsString(
      'devo_collector_events_duplicated_total',
    );
    assert.match(metrics, /service="directory_audits"} [1-9]/);
  } finally {
    await run.stop();
    await sim.close();
  }
});

test('a 429 storm and tokens revoked mid-pagination lose and repeat nothing', async () => {
  const { clock, sim, environment, start, launch } = await setup({ pageSize: 200 });
  const t = clock.now();
  sim.addRecords('directory_audits', 2000, { from: t - 120 * MIN, to: t - 5 * MIN });
  sim.scenario.force429 = { count: 6, retryAfter: '1.5' };
  const run = await launch({ audit: { directory_audits: { start_time_in_utc: start } } });
  try {
    await waitFor('a few pages', () => (sim.stats().requests.directory_audits ?? 0) >= 9, 60_000, 100);
    sim.revokeTokens();
    await waitFor('2000 events', async () => (await received(environment)).length >= 2000, 90_000, 100);
    await new Promise((r) => setTimeout(r, 500));
    assertExactlyOnce(await received(environment), sim.records('directory_audits'), 'directory_audits');
    const stats = sim.stats();
    assert.equal(stats.status['429'], 6);
    assert.ok((stats.status['401'] ?? 0) >= 1, 'a revoked token was refused');
    assert.ok(stats.tokensIssued >= 2, 'the token was refreshed after the 401');
  } finally {
    await run.stop();
    await sim.close();
  }
});

test('a restart mid-window resumes from the checkpoint with no gap and no duplicate', async () => {
  const { clock, sim, environment, home, start, launch } = await setup({ pageSize: 100 });
  const t = clock.now();
  sim.addRecords('directory_audits', 4000, { from: t - 150 * MIN, to: t - 5 * MIN });
  const services = {
    directory_audits: { start_time_in_utc: start, override_query_window_max_seconds: 1800 },
  };
  let run = await launch({ audit: services });
  await waitFor(
    '1000 events before the restart',
    async () => (await received(environment)).length >= 1000,
    60_000,
    100,
  );
  await run.stop();
  const before = (await received(environment)).length;
  assert.ok(before < 4000, `stopped mid-way (${before} of 4000 sent)`);
  const state = JSON.parse(
    await readFile(join(home, 'state', 'microsoft_graph_audit.aud.directory_audits.json'), 'utf8'),
  );
  assert.ok(Date.parse(state.data.last_event_time_in_utc) < t - 5 * MIN, 'the checkpoint did not run ahead');
  run = await launch({ audit: services });
  try {
    await waitFor('all 4000 events', async () => (await received(environment)).length >= 4000, 90_000, 100);
    await new Promise((r) => setTimeout(r, (65 * 1000) / SPEED));
    assertExactlyOnce(
      await received(environment),
      sim.records('directory_audits'),
      'directory_audits across a restart',
    );
  } finally {
    await run.stop();
    await sim.close();
  }
});

test('changing start_time_in_utc wipes that service state and re-pulls its history; other services are untouched', async () => {
  const { clock, sim, environment, home, start, launch } = await setup();
  const t = clock.now();
  sim.addRecords('directory_audits', 300, { from: t - 60 * MIN, to: t - 5 * MIN });
  sim.addRecords('provisioning_audits', 200, { from: t - 60 * MIN, to: t - 5 * MIN });
  const audit = {
    directory_audits: { start_time_in_utc: start },
    provisioning_audits: { start_time_in_utc: start },
  };
  let run = await launch({ audit });
  await waitFor('500 events', async () => (await received(environment)).length >= 500, 60_000, 100);
  await run.stop();
  const earlier = new Date(Date.parse(start) - 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const configFile = join(home, 'config', 'config.yaml');
  const config = parse(await readFile(configFile, 'utf8'));
  config.inputs.microsoft_graph_audit.services.directory_audits.start_time_in_utc = earlier;
  await writeFile(configFile, stringify(config));
  run = await launch({ audit: config.inputs.microsoft_graph_audit.services });
  try {
    await waitFor(
      'the re-pulled history',
      async () => (await received(environment)).length >= 800,
      60_000,
      100,
    );
    await waitFor(
      'two provisioning pulls after the restart',
      () =>
        run.logs.filter((l) => l.msg === 'Finished a pull' && l.service === 'provisioning_audits').length >=
        2,
      60_000,
      100,
    );
    const events = await received(environment);
    assert.equal(
      events.filter((e) => e.tag === 'cloud.azure.ad.audit.2.msgraph').length,
      600,
      'directory audits sent twice in all',
    );
    assertExactlyOnce(
      events.filter((e) => e.tag === 'cloud.azure.ad.provisioning.2.msgraph'),
      sim.records('provisioning_audits'),
      'provisioning untouched',
    );
    assert.ok(
      run.logs.some((l) => l.service === 'directory_audits' && /Reset the service state/.test(String(l.msg))),
    );
    const resets = await run.runtime.metrics.registry.getSingleMetricAsString(
      'devo_collector_state_resets_total',
    );
    assert.match(resets, /service="directory_audits"} 1/);
  } finally {
    await run.stop();
    await sim.close();
  }
});

test('records that arrive late behind the watermark are collected exactly once', async () => {
  const { clock, sim, environment, start, launch } = await setup();
  const t = clock.now();
  sim.addRecords('signIns_v2', 200, { from: t - 60 * MIN, to: t - 5 * MIN });
  const run = await launch({
    audit: { signIns: { start_time_in_utc: start, request_period_in_seconds: 60 } },
  });
  try {
    const first = sim.records('signIns').length;
    await waitFor('the first pull', async () => (await received(environment)).length >= first, 60_000, 100);
    sim.insertLate('signIns_v2', 30, clock.now() - 4 * MIN);
    const total = sim.records('signIns').length;
    assert.ok(total > first, 'some late sign-ins are interactive');
    await waitFor('the late records', async () => (await received(environment)).length >= total, 60_000, 100);
    const pulls = run.logs.filter((l) => l.msg === 'Finished a pull').length;
    await waitFor(
      'two more pulls',
      () => run.logs.filter((l) => l.msg === 'Finished a pull').length >= pulls + 2,
      60_000,
      100,
    );
    assertExactlyOnce(await received(environment), sim.records('signIns'), 'signIns with late arrivals');
  } finally {
    await run.stop();
    await sim.close();
  }
});

test('a tenant without a P1/P2 licence fails signIns clearly while the other services keep running', async () => {
  const { clock, sim, environment, start, launch } = await setup();
  const t = clock.now();
  sim.addRecords('directory_audits', 100, { from: t - 60 * MIN, to: t - 5 * MIN });
  sim.scenario.licenceError = true;
  const run = await launch({
    audit: { signIns: { start_time_in_utc: start }, directory_audits: { start_time_in_utc: start } },
  });
  try {
    await waitFor('directory audits', async () => (await received(environment)).length >= 100, 60_000, 100);
    await waitFor(
      'signIns setup to fail',
      () =>
        run.runtime.readiness().services.some((s) => s.service === 'signIns' && s.phase === 'setup-failed'),
      30_000,
      100,
    );
    // The audits were delivered page by page; their pull counts as done only once it ends.
    await waitFor(
      'the directory audits pull to end',
      () => run.runtime.readiness().services.some((s) => s.service === 'directory_audits' && s.lastPullOk),
      30_000,
      100,
    );
    const report = run.runtime.readiness();
    assert.equal(report.ready, false);
    const signIns = report.services.find((s) => s.service === 'signIns')!;
    assert.match(
      signIns.lastError!,
      /^SetupError 102: Failed to fetch data from .*auditLogs\/signIns\. Source is not pullable: .*P1 or P2 licence/,
    );
    assert.equal(report.services.find((s) => s.service === 'directory_audits')!.lastPullOk, true);
    const readyz = await fetch(`http://127.0.0.1:${run.runtime.metricsPort}/readyz`);
    assert.equal(readyz.status, 503);
    assert.match(await readyz.text(), /"service":"signIns".*P1 or P2 licence/);
  } finally {
    await run.stop();
    await sim.close();
  }
});

test('an updated alerts_v2 alert is sent again as a new version; override_tag replaces the default tags', async () => {
  const { clock, sim, environment, start, launch } = await setup();
  const t = clock.now();
  const [first] = sim.addRecords('alerts_v2', 50, { from: t - 60 * MIN, to: t - 5 * MIN });
  sim.addRecords('directory_audits', 20, { from: t - 60 * MIN, to: t - 5 * MIN });
  const run = await launch({
    audit: { directory_audits: { start_time_in_utc: start, override_tag: 'my.app.graph.audit' } },
    security: { alerts_v2: { start_time_in_utc: start, request_period_in_seconds: 60 } },
  });
  try {
    await waitFor('the first pull', async () => (await received(environment)).length >= 70, 60_000, 100);
    const updated = sim.updateAlertV2(first!.id, clock.now() - MIN);
    await waitFor(
      'the updated alert',
      async () => (await received(environment)).length >= 71,
      60_000,
      100,
    ).catch(async (e) => {
      const evs = (await received(environment))
        .filter((x) => x.record.id === first!.id)
        .map((x) => x.record.lastUpdateDateTime);
      const logs = run.logs
        .filter((l) => l.service === 'alerts_v2')
        .slice(-12)
        .map((l) => [l.msg, l.received, l.duplicates, l.sent, decodeURIComponent(String(l.url))]);
      throw new Error(
        `${(e as Error).message} ${JSON.stringify({ first: first!.lastUpdateDateTime, updated: updated.lastUpdateDateTime, evs, logs, now: new Date(clock.now()).toISOString() })}`,
      );
    });
    const events = await received(environment);
    const versions = events.filter((e) => e.record.id === first!.id).map((e) => e.record.lastUpdateDateTime);
    assert.deepEqual(versions, [first!.lastUpdateDateTime, updated.lastUpdateDateTime]);
    assert.equal(events.filter((e) => e.tag === 'my.app.graph.audit').length, 20);
    assert.equal(events.filter((e) => e.tag === 'cloud.azure.ad.audit.2.msgraph').length, 0);
  } finally {
    await run.stop();
    await sim.close();
  }
});

test('history older than the tenant keeps is skipped with a warning, and what is kept arrives', async () => {
  const { clock, sim, environment, start, launch } = await setup();
  const t = clock.now();
  sim.scenario.retentionDays = 1;
  sim.addRecords('directory_audits', 100, { from: t - 20 * 60 * MIN, to: t - 5 * MIN });
  const old = new Date(t - 5 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
  assert.ok(old < start);
  const run = await launch({ audit: { directory_audits: { start_time_in_utc: old } } });
  try {
    await waitFor(
      'the retained records',
      async () => (await received(environment)).length >= 100,
      60_000,
      100,
    );
    assertExactlyOnce(await received(environment), sim.records('directory_audits'), 'directory_audits');
    assert.ok(run.logs.some((l) => /Skipped history older than the API keeps/.test(String(l.msg))));
    assert.equal(sim.stats().status['400'], 1, 'one refused query, then the window moved');
  } finally {
    await run.stop();
    await sim.close();
  }
});
