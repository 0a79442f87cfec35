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
import {
  asTheImageRunsIt,
  imageStartText,
  startRuntimeProcess,
  type RuntimeProcess,
} from './runtime-process.ts';

const CRD_DIR = resolve(import.meta.dirname, '../../crds');
const BACKLOG_EVENTS = 2000;
// After the backlog is sent, one VmRSS sample a second for a minute. The output closes its idle connection
// after 30 s (idle_reconnect_seconds) and the runtime collects garbage as its idle spell grows (after 5, 10,
// 20, 40 s: cli/idle-gc.ts): "idle" is the last 10 s, when both happened; "connection open" is 10-20 s.
const IDLE_SECONDS = 60;
const SAMPLES = 10;

export interface MemoryResult {
  config: string;
  /** 'image': main.js with Dockerfile.runtime's environment; 'source': main.ts, no extra settings. */
  as: 'image' | 'source';
  idleRssMiB: number;
  /** 10-20 s after the backlog: the output's connection still open, its resend buffer full of the backlog. */
  connectionOpenRssMiB: number;
  peakRssMiB: number;
  eventsSent: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const round = (x: number) => Math.round(x * 10) / 10;

/** `atIdle` looks at the process at the end of its idle minute, before it is stopped (test/bench/memory-map.ts). */
export async function measure(
  kube: boolean,
  as: 'image' | 'source',
  atIdle?: (runtime: RuntimeProcess) => Promise<void>,
): Promise<MemoryResult> {
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
      // No second pull while the idle minute is sampled.
      services: { signIns: { start_time_in_utc: start, request_period_in_seconds: 300 } },
      ...(kubeOpt ? { kube: kubeOpt } : {}),
      ...(as === 'image' ? await asTheImageRunsIt(dir) : {}),
    });
    cleanups.push(() => runtime.stop());
    await waitFor(
      `${BACKLOG_EVENTS} events sent`,
      async () => (await runtime.metric('devo_collector_events_sent_total')) >= BACKLOG_EVENTS,
      120_000,
      200,
    );
    const samples: number[] = [];
    for (let i = 0; i < IDLE_SECONDS; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      samples.push((await runtime.memory()).rssMiB);
    }
    await atIdle?.(runtime);
    const { peakMiB } = await runtime.memory();
    const eventsSent = await runtime.metric('devo_collector_events_sent_total');
    const code = await runtime.stop();
    if (code !== 0) throw new Error(`the runtime exited with ${code} on SIGTERM`);
    return {
      config: kube ? 'Kubernetes: ConfigMap state, status reporting' : 'stand-alone: filesystem state',
      as,
      idleRssMiB: round(median(samples.slice(-SAMPLES))),
      connectionOpenRssMiB: round(median(samples.slice(10, 10 + SAMPLES))),
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
    return `| ${r.config} | ${how} | **${r.idleRssMiB}** | ${target} | ${verdict} | ${r.connectionOpenRssMiB} | ${r.peakRssMiB} |`;
  });
  await replaceSection(
    'Runtime memory',
    [
      `Measured ${new Date().toISOString().slice(0, 10)} with \`npx node test/bench/runtime-memory.ts\` (Node ${process.version}, load average ${load} at the start).`,
      `The runtime CLI in its own process, one Graph service (signIns) against the simulator, events to rsyslog over mutual TLS. It first pulls a backlog of ${BACKLOG_EVENTS.toLocaleString('en-US')} sign-ins, then idles (next pull after 300 s); VmRSS is sampled once a second for ${IDLE_SECONDS} s after the backlog was sent. Idle RSS is the median of the last ${SAMPLES} samples: by then the output has closed its idle connection (30 s, which frees the resend buffer holding the backlog) and the runtime has collected the pull's garbage (cli/idle-gc.ts). "Connection open" is the median of the samples 10-20 s after the backlog, before that close. Peak is VmHWM (the backlog pull). The Kubernetes configuration keeps its state in a ConfigMap and reports status.lastPullTime through the Kubernetes API test server.`,
      `"As the image runs it": the sources as JavaScript (images/strip-types.ts) with Dockerfile.runtime's ${imageStartText()}. "From the TypeScript sources": \`node collector-runtime/src/cli/main.ts\` without that environment (the runtime's own V8 memory mode, cli/v8-memory-mode.ts, applies to both).`,
      '',
      '| configuration | how | idle RSS (MiB) | target (MiB) | | connection open (MiB) | peak RSS (MiB) |',
      '|---|---|---|---|---|---|---|',
      ...rows,
      '',
      `Peak RSS during the output benchmark (the Devo sink at full speed, in the benchmark process with its own event generation): ${await outputPeakMiB()} MiB (section "Output path").`,
      'Before issue 11 the runtime idled at 198.9 MiB (Kubernetes) and 192.8 MiB (stand-alone) in this benchmark: it loaded @kubernetes/client-node in both configurations.',
      'Before its HTTP moved from undici to Node\'s http/https, the V8 memory mode and the module trims (docs/design-notes.md "Runtime footprint"), as the image runs it: 103.8 MiB (Kubernetes) and 105.3 MiB (stand-alone), same machine, same day.',
      'Before the steps of docs/design-notes.md "Runtime footprint" that followed (node --max-opt=2, the 32 KiB malloc mmap threshold, closing the idle Devo connection, collecting when idle), same machine, same day: 77.6 MiB (Kubernetes) and 78.3 MiB (stand-alone) as the image ran it, sampled 10-20 s after the backlog; TurboFan alone was 6.2 MiB of the node binary\'s pages.',
      "Where the stand-alone figure goes (one run of `npx node test/bench/memory-map.ts`, 67.8 MiB at idle; /proc/<pid>/smaps, and /proc/<pid>/pagemap read page by page against the node binary's symbol table): 42.9 MiB are pages of the node binary itself (25.3 code, 17.6 read-only data), 15.6 MiB anonymous memory (V8's heap: about 11 MiB used, mostly compiled code and the source text of the modules), 4.5 MiB the malloc heap, 1.1 MiB V8's generated code. A bare `node` waiting on a timer has 32.4 MiB of binary pages: what a running collector adds there is V8's parser, interpreter and Maglev, OpenSSL, simdjson and ICU code touched while it works, shared by whatever code runs, so dropping one library saves little of them.",
    ].join('\n'),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const load = round(loadavg()[0]!);
  const results = await run();
  console.log(JSON.stringify(results, null, 2));
  if (!process.argv.includes('--no-write')) await writeResults(results, load);
}
