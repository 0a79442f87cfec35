// `npm start`: the local sandbox. A Microsoft Graph simulator, a local mutual-TLS receiver standing in
// for Devo, and the real runtime on examples/sandbox/config.yaml, all on loopback. Prints one summary
// line per service every few seconds; Ctrl-C stops everything cleanly.
import { mkdir, readFile, writeFile, copyFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../collector-runtime/src/config/load.ts';
import { startRuntime } from '../../collector-runtime/src/core/runtime.ts';
import { createLogger } from '../../collector-runtime/src/logging/logger.ts';
import { generateTestPki } from '../support/tls-certs.ts';
import { startTlsLineReceiver } from '../support/tls-line-receiver.ts';
import {
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  SIM_TENANT_ID,
  startGraphSimulator,
  type GraphService,
} from '../simulators/graph/server.ts';
import * as o365 from '../simulators/office365/server.ts';
import { startExchangeTraceSimulator } from '../simulators/exchange-message-trace/server.ts';
import { SIM_POD_CLUSTER, SIM_POD_TOKEN, startPodSimulator } from '../simulators/proofpoint/server.ts';
import { pino } from 'pino';

const { values: args } = parseArgs({
  options: {
    'metrics-port': { type: 'string', default: '9464' },
    interval: { type: 'string', default: '5' },
    home: { type: 'string', default: '.sandbox' },
  },
});
const root = resolve(import.meta.dirname, '../..');
const home = resolve(root, args.home!);
const HOUR = 3_600_000;

async function main(): Promise<void> {
  await rm(home, { recursive: true, force: true });
  for (const d of ['certs', 'config', 'state']) await mkdir(join(home, d), { recursive: true });
  const pki = await generateTestPki(join(home, 'pki'), 'sandbox');
  await copyFile(pki.caCert, join(home, 'certs', 'chain.crt'));
  await copyFile(pki.clientCert, join(home, 'certs', 'sandbox.crt'));
  await copyFile(pki.clientKey, join(home, 'certs', 'sandbox.key'));

  const sim = await startGraphSimulator({ seed: 7 });
  const now = Date.now();
  const backlog: [GraphService, number][] = [
    ['directory_audits', 800],
    ['provisioning_audits', 200],
    ['signIns_v2', 1500],
    ['alerts', 150],
    ['alerts_v2', 150],
    ['secure_scores', 3],
  ];
  for (const [service, count] of backlog)
    sim.addRecords(service, count, { from: now - 24 * HOUR, to: now - 60_000 });
  // Keep new activity coming, a little behind real time as Microsoft indexes it.
  const live = setInterval(() => {
    const t = Date.now();
    sim.addRecords('directory_audits', 5, { from: t - 120_000, to: t - 60_000 });
    sim.addRecords('signIns_v2', 12, { from: t - 120_000, to: t - 60_000 });
    sim.addRecords('alerts_v2', 1, { from: t - 120_000, to: t - 60_000 });
  }, 5_000);

  // Office 365 Management Activity: a day of content per content type, then a trickle.
  const o365Sim = await o365.startOffice365Simulator({ seed: 7 });
  for (const type of o365.CONTENT_TYPES)
    o365Sim.addActivity(type, 2000, { from: now - 26 * HOUR, to: now - 2 * HOUR }, { lateRate: 0 });
  const o365Live = setInterval(() => {
    const t = Date.now();
    for (const type of o365.CONTENT_TYPES)
      o365Sim.addActivity(type, 20, { from: t - 91 * 60_000, to: t - 90 * 60_000 }, { lateRate: 0 });
  }, 30_000);
  // Exchange message trace: a day of mail flow, read 10 minutes behind (see examples/sandbox/config.yaml).
  const traceSim = await startExchangeTraceSimulator({ seed: 7 });
  traceSim.addRows({ count: 1500, from: now - 24 * HOUR, to: now - 15 * 60_000 });

  // Proofpoint on Demand pushes: a few message and maillog events a second, with the API's duplicates.
  const pod = await startPodSimulator({ seed: 7, scenario: { duplicateEvery: 50 } });
  const podStops = [pod.produce('message', 3), pod.produce('maillog', 8)];

  const receiver = await startTlsLineReceiver({ pki, outputFile: join(home, 'received.log') });
  const template = await readFile(join(root, 'examples/sandbox/config.yaml'), 'utf8');
  const vars: Record<string, string> = {
    SIM_URL: sim.url,
    TRACE_SIM_URL: traceSim.url,
    RECEIVER_PORT: String(receiver.port),
    METRICS_PORT: args['metrics-port']!,
    TENANT_ID: SIM_TENANT_ID,
    CLIENT_ID: SIM_CLIENT_ID,
    START_TIME: new Date(now - 24 * HOUR).toISOString().replace(/\.\d+Z$/, 'Z'),
    O365_URL: o365Sim.url,
    O365_TENANT_ID: o365.SIM_TENANT_ID,
    O365_CLIENT_ID: o365.SIM_CLIENT_ID,
    POD_URL: pod.url,
    POD_CLUSTER: SIM_POD_CLUSTER,
  };
  const configFile = join(home, 'config', 'config.yaml');
  await writeFile(
    configFile,
    template.replace(/\$\{(\w+)\}/g, (_, k: string) => vars[k] ?? ''),
  );

  const env = {
    ...process.env,
    SANDBOX_CLIENT_SECRET: SIM_CLIENT_SECRET,
    SANDBOX_O365_SECRET: o365.SIM_CLIENT_SECRET,
    SANDBOX_POD_API_KEY: SIM_POD_TOKEN,
  };
  const { config } = await loadConfig({ configPath: configFile, env });
  const log = createLogger({
    destination: pino.destination({ dest: join(home, 'collector.log'), sync: false }),
  });
  const runtime = await startRuntime(config, { log, env });

  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`Sandbox running in ${home}`);
  out(`  Graph simulator   ${sim.url}`);
  out(`  Office 365 sim    ${o365Sim.url}`);
  out(`  PoD simulator     ${pod.url}`);
  out(`  Devo receiver     127.0.0.1:${receiver.port} (mutual TLS; lines in ${join(home, 'received.log')})`);
  out(`  Metrics           http://127.0.0.1:${runtime.metricsPort}/metrics  (also /healthz, /readyz)`);
  out(`  Collector log     ${join(home, 'collector.log')}`);
  out('Press Ctrl-C to stop.\n');

  const value = async (name: string, labels: Record<string, string>) => {
    const m = (await runtime.metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
    return m
      .filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))
      .reduce((n, v) => n + v.value, 0);
  };
  const report = async () => {
    out(`${new Date().toISOString()}  receiver has ${receiver.total()} events`);
    for (const r of runtime.runners) {
      const l = { input: r.health.input, service: r.health.service };
      const [rec, sent, dup, reqs, throttled] = await Promise.all([
        value('devo_collector_events_received_total', l),
        value('devo_collector_events_sent_total', l),
        value('devo_collector_events_duplicated_total', l),
        value('devo_collector_api_requests_total', l),
        value('devo_collector_api_requests_total', { ...l, status: '429' }),
      ]);
      const state = r.health.lastPullOk === false ? `ERROR ${r.health.lastError}` : r.health.phase;
      out(
        `  ${`${r.health.input}/${r.health.service}`.padEnd(54)} received ${String(rec).padStart(5)}  sent ${String(sent).padStart(5)}  duplicates ${String(dup).padStart(4)}  requests ${String(reqs).padStart(4)}  429s ${throttled}  ${state}`,
      );
    }
  };
  const timer = setInterval(() => void report(), Number(args.interval) * 1000);

  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    out(`\nReceived ${sig}: stopping`);
    clearInterval(timer);
    clearInterval(live);
    clearInterval(o365Live);
    await runtime.stop(sig);
    await report();
    await sim.close();
    await o365Sim.close();
    await traceSim.close();
    for (const stopPod of podStops) stopPod();
    await pod.close();
    await receiver.close();
    out('Sandbox stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`sandbox failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
