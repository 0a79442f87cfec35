// Operator scale benchmark: N Collectors × M Services already in the (in-process) API server, then the
// operator starts as a child process (the real CLI, the real client-node) and we time how long until every
// Collector's status is current (observedGeneration == generation) and Ready. The operator's peak RSS is
// read from /proc; reconcile counts come from its /metrics. Run alone: npx node test/bench/operator-scale.ts
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { API_VERSION } from '../../operator/src/api/types.ts';
import type { JsonObject } from '../support/kube-api-server/json-value.ts';
import { startKubeApiTestServer } from '../support/kube-api-server/server.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NAMESPACE = 'bench';
const SERVICES = ['directory_audits', 'provisioning_audits', 'signIns', 'signIns_v2'];

export interface OperatorScaleOptions {
  collectors?: number;
  /** At most 4: a microsoft_graph_audit Collector offers 4 services and runs each once. */
  servicesPerCollector?: number;
  workers?: number;
  timeoutMs?: number;
  /** V8 flags for the operator process (default: the Dockerfile's). */
  nodeFlags?: string[];
  /** Extra environment for the operator process (e.g. NODE_OPTIONS=--cpu-prof when profiling). */
  childEnv?: Record<string, string>;
}

export interface OperatorScaleResult {
  collectors: number;
  services: number;
  workers: number;
  /** From operator start until every status has observedGeneration == generation. */
  convergeSeconds: number;
  /** Until every Collector is also Ready=True (its Deployment available). */
  readySeconds: number;
  reconciles: number;
  reconcilesPerSecond: number;
  peakRssMiB: number;
  /** CPU the operator process used until ready (user + system): its own cost, apart from the API server's. */
  operatorCpuSeconds: number;
  /** CPU the bench process (the in-process API server) used meanwhile. */
  apiServerCpuSeconds: number;
}

/** The V8 flags Dockerfile.operator runs the operator with (a small young generation keeps RSS down). */
export const OPERATOR_NODE_FLAGS = ['--max-semi-space-size=4'];

function collector(i: number): JsonObject {
  return {
    apiVersion: API_VERSION,
    kind: 'Collector',
    metadata: { name: `c${i}`, namespace: NAMESPACE },
    spec: {
      source: 'microsoft_graph_audit',
      credentialsSecretRef: { name: 'graph-credentials' },
      output: { address: 'collector-eu.devo.io', certificateSecretRef: { name: 'devo-certificate' } },
      persistence: { type: 'ConfigMap' },
    },
  };
}

function service(i: number, s: string): JsonObject {
  return {
    apiVersion: API_VERSION,
    kind: 'Service',
    metadata: { name: `c${i}-${s.toLowerCase().replace(/_/g, '-')}`, namespace: NAMESPACE },
    spec: { collectorRef: { name: `c${i}` }, service: s, startTimeInUtc: '2025-01-01T00:00:00Z' },
  };
}

function cpuSeconds(pid: number): number {
  try {
    // Fields 14 and 15 of /proc/<pid>/stat: utime and stime in clock ticks (100 per second on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function peakRssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

export async function run(opts: OperatorScaleOptions = {}): Promise<OperatorScaleResult> {
  const n = opts.collectors ?? 1000;
  const perCollector = Math.min(opts.servicesPerCollector ?? 4, SERVICES.length);
  const workers = opts.workers ?? 8;
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const server = await startKubeApiTestServer({ historyLimit: 200_000 });
  const workloads = server.runControllers({ readyDelayMs: 5 });
  const dir = await mkdtemp(join(tmpdir(), 'operator-scale-'));
  try {
    for (const file of readdirSync(join(ROOT, 'crds')).filter((f) => f.endsWith('.yaml')))
      server.createObject(parse(readFileSync(join(ROOT, 'crds', file), 'utf8')) as JsonObject);
    server.createObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
    server.createObject({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'graph-credentials', namespace: NAMESPACE },
      stringData: { tenant_id: 't', client_id: 'c', client_secret: 's' },
    });
    server.createObject({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: 'devo-certificate', namespace: NAMESPACE },
      stringData: { 'tls.crt': 'cert', 'tls.key': 'key', 'ca.crt': 'chain' },
    });
    for (let i = 0; i < n; i++) {
      server.createObject(collector(i));
      for (const s of SERVICES.slice(0, perCollector)) server.createObject(service(i, s));
    }
    const kubeconfig = await server.writeKubeconfigFile(dir, NAMESPACE);

    const started = performance.now();
    const serverCpuAtStart = process.cpuUsage();
    const child = spawn(
      process.execPath,
      [
        ...(opts.nodeFlags ?? OPERATOR_NODE_FLAGS),
        join(ROOT, 'operator/src/cli/main.ts'),
        'run',
        '--kubeconfig',
        kubeconfig,
        '--namespaces',
        NAMESPACE,
        '--metrics-port',
        '0',
        '--metrics-host',
        '127.0.0.1',
        '--workers',
        String(workers),
        '--runtime-image',
        'registry.test/devo-collector-runtime:bench',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...(opts.childEnv ?? {}) } },
    );
    const port = new Promise<number>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        try {
          const entry = JSON.parse(line) as { msg?: string; port?: number };
          if (entry.msg === 'Started operator HTTP server' && entry.port) resolve(entry.port);
        } catch {
          // not a log line
        }
      });
      child.once('exit', (code) => reject(new Error(`operator exited with ${code}`)));
    });
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, peakRssMiB(child.pid!))), 100);

    const collectors = () => server.listObjects(API_VERSION, 'Collector', NAMESPACE);
    const current = (c: JsonObject) =>
      (c.status as { observedGeneration?: number } | undefined)?.observedGeneration ===
      (c.metadata as { generation?: number }).generation;
    const ready = (c: JsonObject) =>
      (c.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions?.some(
        (x) => x.type === 'Ready' && x.status === 'True',
      ) ?? false;
    let convergeSeconds = 0;
    let readySeconds = 0;
    while (readySeconds === 0) {
      if (performance.now() - started > timeoutMs) throw new Error(`not converged within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
      const all = collectors();
      if (!convergeSeconds && all.every(current)) convergeSeconds = (performance.now() - started) / 1000;
      if (convergeSeconds && all.every((c) => current(c) && ready(c)))
        readySeconds = (performance.now() - started) / 1000;
    }
    const metrics = await (await fetch(`http://127.0.0.1:${await port}/metrics`)).text();
    const reconciles = [...metrics.matchAll(/^devo_operator_reconcile_total\{[^}]*\} (\d+)/gm)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
    clearInterval(sampler);
    peak = Math.max(peak, peakRssMiB(child.pid!));
    const operatorCpu = cpuSeconds(child.pid!);
    const serverCpu = process.cpuUsage(serverCpuAtStart);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    return {
      collectors: n,
      services: n * perCollector,
      workers,
      convergeSeconds: round(convergeSeconds),
      readySeconds: round(readySeconds),
      reconciles,
      reconcilesPerSecond: round(reconciles / readySeconds),
      peakRssMiB: round(peak),
      operatorCpuSeconds: round(operatorCpu),
      apiServerCpuSeconds: round((serverCpu.user + serverCpu.system) / 1e6),
    };
  } finally {
    await workloads.stop();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

/** Replaces only the `## Operator scale` section of RESULTS.md (other benchmarks own the rest). */
export async function writeResults(results: OperatorScaleResult[], notes: string[] = []): Promise<void> {
  const file = join(ROOT, 'test/bench/RESULTS.md');
  const existing = await readFile(file, 'utf8').catch(() => '# Benchmark results\n');
  const rows = results.map(
    (r) =>
      `| ${r.collectors} × ${r.services / r.collectors} (${r.services} Services) | ${r.workers} | ${r.convergeSeconds} | ` +
      `${r.readySeconds} | ${r.reconciles} | ${r.reconcilesPerSecond} | ${r.peakRssMiB} | ${r.operatorCpuSeconds} | ${r.apiServerCpuSeconds} |`,
  );
  const section = [
    '## Operator scale',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} with \`npx node test/bench/operator-scale.ts\` (Node ${process.version}; ` +
      'the in-process KubeApiTestServer with its Deployment stand-in; the operator runs as a child process with ' +
      `\`${OPERATOR_NODE_FLAGS.join(' ')}\` as in Dockerfile.operator).`,
    'Every Collector and Service exists before the operator starts; "converged" = every Collector status has',
    'observedGeneration == generation, "ready" = every Collector is also Ready=True. Target: 1,000 Collectors',
    'converged in < 60 s with the operator under 200 MiB RSS.',
    '',
    '| Collectors × Services | workers | converged (s) | ready (s) | reconciles | reconciles/s | operator peak RSS (MiB) | operator CPU (s) | API server CPU (s) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    ...(notes.length > 0 ? ['', ...notes] : []),
    '',
  ].join('\n');
  const start = existing.indexOf('## Operator scale');
  let next: string;
  if (start < 0) next = `${existing.trimEnd()}\n\n${section}`;
  else {
    const after = existing.indexOf('\n## ', start + 1);
    next = existing.slice(0, start) + section + (after < 0 ? '' : `\n${existing.slice(after + 1)}`);
  }
  await writeFile(file, next.endsWith('\n') ? next : `${next}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // --collectors 1000 (default) or a list: --collectors 25,50,100
  const arg = process.argv.indexOf('--collectors');
  const sizes = (arg > 0 ? process.argv[arg + 1]! : '1000').split(',').map(Number);
  const results: OperatorScaleResult[] = [];
  for (const collectors of sizes) {
    const r = await run({ collectors, servicesPerCollector: 4 });
    console.log(JSON.stringify(r));
    results.push(r);
  }
  await writeResults(results);
}
