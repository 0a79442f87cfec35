// Runtime memory at rest: the real runtime process (test/bench/runtime-process.ts) with one Graph service,
// in its two configurations: stand-alone (filesystem state) and Kubernetes (ConfigMap state and status
// reporting through the Kubernetes API test server). Each runs its first pull (a backlog of sign-ins), then
// idles; RSS is the median of samples taken while idle, read from /proc/<pid>/status.
// Both as the image runs it (JavaScript, Dockerfile.runtime's environment) and from the TypeScript sources.
// Run alone: npx node test/bench/runtime-memory.ts [--no-write]
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { startGraphSimulator } from '../simulators/graph/server.ts';
import type { JsonObject } from '../support/kube-api-server/json-value.ts';
import { startKubeApiTestServer } from '../support/kube-api-server/server.ts';
import { startRsyslogReceiver } from '../support/rsyslog-receiver.ts';
import { generateTestPki } from '../support/tls-certs.ts';
import { waitFor } from '../support/wait.ts';
import { RESULTS_FILE, replaceSection } from './results-file.ts';
import { RUNTIME_IMAGE_ENV, envText, imageLikeRuntime, startRuntimeProcess } from './runtime-process.ts';

const CRD_DIR = resolve(import.meta.dirname, '../../crds');
const BACKLOG_EVENTS = 2000;
const IDLE_SETTLE_MS = 10_000;
const SAMPLES = 10;

export interface MemoryResult {
  config: string;
  /** 'image': main.js with Dockerfile.runtime's environment; 'source': main.ts, no extra settings. */
  as: 'image' | 'source';
  idleRssMiB: number;
  peakRssMiB: number;
  eventsSent: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const round = (x: number) => Math.round(x * 10) / 10;

export async function measure(kube: boolean, as: 'image' | 'source'): Promise<MemoryResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-memory-'));
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const pki = await generateTestPki(join(dir, 'pki'));
    const rx = await startRsyslogReceiver({ pki, dir: join(dir, 'rsyslog') });
    cleanups.push(() => rx.stop());
    const sim = await startGraphSimulator({ seed: 7 });
    cleanups.push(() => sim.close());
    const now = Date.now();
    sim.addRecords('signIns', BACKLOG_EVENTS, { from: now - 50 * 60_000, to: now - 60_000 });
    let kubeOpt;
    if (kube) {
      const server = await startKubeApiTestServer();
      cleanups.push(async () => server.close());
      for (const file of readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml')))
        server.createObject(parse(readFileSync(join(CRD_DIR, file), 'utf8')) as JsonObject);
      server.createObject({
        apiVersion: 'collectors.devo.com/v1alpha1',
        kind: 'Collector',
        metadata: { name: 'bench', namespace: 'default' },
        spec: {
          source: 'microsoft_graph_audit',
          credentialsSecretRef: { name: 'graph-credentials' },
          output: { address: 'localhost', certificateSecretRef: { name: 'devo-certificate' } },
        },
      } as JsonObject);
      kubeOpt = {
        kubeconfig: await server.writeKubeconfigFile(dir),
        namespace: 'default',
        collector: 'bench',
      };
    }
    const start = new Date(now - 60 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const runtime = await startRuntimeProcess({
      home: join(dir, 'home'),
      pki,
      receiverPort: rx.port,
      sim,
      services: { signIns: { start_time_in_utc: start, request_period_in_seconds: 60 } },
      ...(kubeOpt ? { kube: kubeOpt } : {}),
      ...(as === 'image' ? { main: await imageLikeRuntime(dir), env: RUNTIME_IMAGE_ENV } : {}),
    });
    cleanups.push(() => runtime.stop());
    await waitFor(
      `${BACKLOG_EVENTS} events sent`,
      async () => (await runtime.metric('devo_collector_events_sent_total')) >= BACKLOG_EVENTS,
      120_000,
      200,
    );
    await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      samples.push((await runtime.memory()).rssMiB);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const { peakMiB } = await runtime.memory();
    const eventsSent = await runtime.metric('devo_collector_events_sent_total');
    const code = await runtime.stop();
    if (code !== 0) throw new Error(`the runtime exited with ${code} on SIGTERM`);
    return {
      config: kube ? 'Kubernetes: ConfigMap state, status reporting' : 'stand-alone: filesystem state',
      as,
      idleRssMiB: round(median(samples)),
      peakRssMiB: round(peakMiB),
      eventsSent,
    };
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<MemoryResult[]> {
  const out: MemoryResult[] = [];
  for (const as of ['image', 'source'] as const) out.push(await measure(true, as), await measure(false, as));
  return out;
}

/** The output benchmark's peak RSS (its own section of RESULTS.md), shown beside the idle numbers. */
async function outputPeakMiB(): Promise<string> {
  const text = await readFile(RESULTS_FILE, 'utf8').catch(() => '');
  return /Sender RSS after the run \d+ MiB, peak (\d+) MiB/.exec(text)?.[1] ?? '–';
}

export async function writeResults(results: MemoryResult[], load: number): Promise<void> {
  const targets: Record<string, number> = { kubernetes: 80, 'stand-alone': 70 };
  const rows = results.map((r) => {
    const target = targets[r.config.split(':')[0]!.toLowerCase()]!;
    const verdict = r.as === 'image' ? (r.idleRssMiB <= target ? 'met' : '**not met**') : '';
    const how = r.as === 'image' ? 'as the image runs it' : 'from the TypeScript sources, no settings';
    return `| ${r.config} | ${how} | **${r.idleRssMiB}** | ${target} | ${verdict} | ${r.peakRssMiB} |`;
  });
  await replaceSection(
    'Runtime memory',
    [
      `Measured ${new Date().toISOString().slice(0, 10)} with \`npx node test/bench/runtime-memory.ts\` (Node ${process.version}, load average ${load} at the start).`,
      `The runtime CLI in its own process, one Graph service (signIns) against the simulator, events to rsyslog over mutual TLS. It first pulls a backlog of ${BACKLOG_EVENTS.toLocaleString('en-US')} sign-ins, then idles: idle RSS is the median of ${SAMPLES} VmRSS samples taken ${IDLE_SETTLE_MS / 1000} s after the backlog was sent; peak is VmHWM (the backlog pull). The Kubernetes configuration keeps its state in a ConfigMap and reports status.lastPullTime through the Kubernetes API test server.`,
      `"As the image runs it": the sources as JavaScript (images/strip-types.ts) with Dockerfile.runtime's ${envText(RUNTIME_IMAGE_ENV)}. "From the TypeScript sources": \`node collector-runtime/src/cli/main.ts\` without that environment (the runtime's own V8 memory mode, cli/v8-memory-mode.ts, applies to both).`,
      '',
      '| configuration | how | idle RSS (MiB) | target (MiB) | | peak RSS (MiB) |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
      `Peak RSS during the output benchmark (the Devo sink at full speed, in the benchmark process with its own event generation): ${await outputPeakMiB()} MiB (section "Output path").`,
      'Before issue 11 the runtime idled at 198.9 MiB (Kubernetes) and 192.8 MiB (stand-alone) in this benchmark: it loaded @kubernetes/client-node in both configurations.',
      'Before its HTTP moved from undici to Node\'s http/https, the V8 memory mode and the module trims (docs/design-notes.md "Runtime footprint"), as the image runs it: 103.8 MiB (Kubernetes) and 105.3 MiB (stand-alone), same machine, same day.',
      "Where the stand-alone figure goes (its /proc/<pid>/smaps at idle, one run: 76.8 MiB): 48.2 MiB are pages of the node binary itself, 17.5 MiB anonymous memory (V8 heap: 12.9 MiB committed, 11.4 MiB used; 6.0 MiB external), 7.2 MiB the malloc heap, 3.8 MiB shared libraries. A bare `node` waiting on a timer has 32.4 MiB of binary pages (44.2 MiB in all); importing into it prom-client alone adds 11.9 MiB of binary pages, yaml 8.6, ws 6.1, pino 4.1, and crypto, TLS, zlib, pino, prom-client and yaml together 13.1: the pages are V8's parser, compilers and builtins, shared by whatever code runs, so dropping one library saves little of them.",
    ].join('\n'),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const load = round(loadavg()[0]!);
  const results = await run();
  console.log(JSON.stringify(results, null, 2));
  if (!process.argv.includes('--no-write')) await writeResults(results, load);
}
