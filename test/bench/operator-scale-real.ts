// The operator scale benchmark on a real kube-apiserver v1.20.2, etcd and kube-controller-manager
// (test/support/real-cluster): the same Collectors and Services as operator-scale.ts, created before the
// operator starts, then the real CLI as a child process; timed until every Collector status is current.
// There is no kubelet, so no Collector becomes Ready: "converged" is the figure to compare.
// Run: npx node test/bench/operator-scale.ts --real-cluster [--collectors 1000]
import { CustomObjectsApi } from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { servicesOf } from '../../operator/src/api/offered-sources.ts';
import { startRealCluster } from '../support/real-cluster/cluster.ts';
import type { JsonObject } from '../support/kube-api-server/json-value.ts';
import { operatorRunFlags } from '../support/operator-flags.ts';
import {
  benchOperatorFlags,
  collector,
  cpuSeconds,
  MAX_SERVICES_PER_COLLECTOR,
  NAMESPACE,
  metricValue,
  OPERATOR_NODE_FLAGS,
  peakRssMiB,
  procStatusMiB,
  round,
  service,
  sourceOf,
} from './operator-scale.ts';
import { replaceSection, RESULTS_FILE } from './results-file.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GROUP = { group: 'collectors.devo.com', version: 'v1alpha1', namespace: NAMESPACE };

export interface RealScaleResult {
  collectors: number;
  services: number;
  workers: number;
  convergeSeconds: number;
  reconciles: number;
  peakRssMiB: number;
  operatorCpuSeconds: number;
  /** kube-apiserver + etcd + kube-controller-manager CPU from operator start until converged. */
  controlPlaneCpuSeconds: Record<string, number>;
  apiserverRssMiB: number;
  setupSeconds: number;
  peakHeapUsedMiB: number;
}

/** Runs `tasks` with at most `limit` in flight. */
async function pool(limit: number, tasks: (() => Promise<unknown>)[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) await tasks[next++]!();
    }),
  );
}

export async function runReal(n = 1000, workers = 8, timeoutMs = 600_000): Promise<RealScaleResult> {
  const cluster = await startRealCluster();
  let child: ReturnType<typeof spawn> | undefined;
  try {
    const setupStarted = performance.now();
    await cluster.kubectlOk(['apply', '--validate=false', '-f', join(ROOT, 'crds')]);
    await cluster.kubectlOk([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/collectors.collectors.devo.com',
      'crd/services.collectors.devo.com',
    ]);
    await cluster.kubectlOk(['create', 'namespace', NAMESPACE]);
    await cluster.kubectlOk([
      'create',
      'secret',
      'generic',
      'graph-credentials',
      '-n',
      NAMESPACE,
      '--from-literal=tenant_id=t',
      '--from-literal=client_id=c',
      '--from-literal=client_secret=s',
    ]);
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/tls',
        metadata: { name: 'devo-certificate', namespace: NAMESPACE },
        stringData: { 'tls.crt': 'cert', 'tls.key': 'key', 'ca.crt': 'chain' },
      }),
    });
    const custom = cluster.admin.kc.makeApiClient(CustomObjectsApi);
    const create = (plural: string, body: JsonObject) => () =>
      custom.createNamespacedCustomObject({ ...GROUP, plural, body });
    const tasks: (() => Promise<unknown>)[] = [];
    for (let i = 0; i < n; i++) {
      tasks.push(create('collectors', collector(i, NAMESPACE)));
      for (const s of servicesOf(sourceOf(i)).slice(0, MAX_SERVICES_PER_COLLECTOR))
        tasks.push(create('services', service(i, s, NAMESPACE)));
    }
    await pool(16, tasks);
    const setupSeconds = (performance.now() - setupStarted) / 1000;

    const cpuAtStart = Object.fromEntries(
      Object.entries(cluster.pids).map(([k, pid]) => [k, cpuSeconds(pid)]),
    );
    const started = performance.now();
    const operator = spawn(
      process.execPath,
      [
        ...OPERATOR_NODE_FLAGS,
        join(ROOT, 'operator/src/cli/main.ts'),
        'run',
        ...operatorRunFlags(cluster.admin.file, ...benchOperatorFlags(workers)),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    child = operator;
    let exited: string | undefined;
    operator.once(
      'exit',
      (code, signal) => (exited = `operator exited (${code ?? signal}) before converging`),
    );
    const port = new Promise<number>((resolve) => {
      createInterface({ input: operator.stdout! }).on('line', (line) => {
        try {
          const entry = JSON.parse(line) as { msg?: string; port?: number };
          if (entry.msg === 'Started operator HTTP server' && entry.port) resolve(entry.port);
        } catch {
          // not a log line
        }
      });
    });
    let peak = 0;
    let peakHeap = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, peakRssMiB(operator.pid!));
      void port
        .then((p) => fetch(`http://127.0.0.1:${p}/metrics`))
        .then((r) => r.text())
        .then((m) => (peakHeap = Math.max(peakHeap, metricValue(m, 'nodejs_heap_size_used_bytes') / 2 ** 20)))
        .catch(() => {});
    }, 500);
    let convergeSeconds = 0;
    let current = 0;
    try {
      while (!convergeSeconds) {
        if (exited) throw new Error(exited);
        if (performance.now() - started > timeoutMs)
          throw new Error(`not converged within ${timeoutMs / 1000} s: ${current}/${n} Collectors current`);
        await new Promise((r) => setTimeout(r, 1000));
        const list = (await custom.listNamespacedCustomObject({ ...GROUP, plural: 'collectors' })) as {
          items: { metadata: { generation?: number }; status?: { observedGeneration?: number } }[];
        };
        current = list.items.filter((c) => c.status?.observedGeneration === c.metadata.generation).length;
        if (current === n) convergeSeconds = (performance.now() - started) / 1000;
      }
    } finally {
      clearInterval(sampler);
    }
    const controlPlaneCpuSeconds = Object.fromEntries(
      Object.entries(cluster.pids).map(([k, pid]) => [k, round(cpuSeconds(pid) - cpuAtStart[k]!)]),
    );
    const metrics = await (await fetch(`http://127.0.0.1:${await port}/metrics`)).text();
    const reconciles = [...metrics.matchAll(/^devo_operator_reconcile_total\{[^}]*\} (\d+)/gm)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
    return {
      collectors: n,
      services: n * MAX_SERVICES_PER_COLLECTOR,
      workers,
      convergeSeconds: round(convergeSeconds),
      reconciles,
      peakRssMiB: round(Math.max(peak, peakRssMiB(operator.pid!))),
      operatorCpuSeconds: round(cpuSeconds(operator.pid!)),
      controlPlaneCpuSeconds,
      apiserverRssMiB: round(procStatusMiB(cluster.pids['kube-apiserver']!, 'VmRSS')),
      setupSeconds: round(setupSeconds),
      peakHeapUsedMiB: round(peakHeap),
    };
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
    await cluster.stop();
  }
}

/** The double's 1,000-Collector row from the "Operator scale" section, for the side-by-side table. */
async function doubleRow(): Promise<string[] | undefined> {
  const text = await readFile(RESULTS_FILE, 'utf8').catch(() => '');
  const section = text.slice(text.indexOf('## Operator scale\n'));
  const row = /^\| 1000 × .*$/m.exec(section)?.[0];
  return row
    ?.split('|')
    .map((c) => c.trim())
    .slice(1, -1);
}

export async function main(argv: string[]): Promise<void> {
  const arg = argv.indexOf('--collectors');
  const n = arg > 0 ? Number(argv[arg + 1]) : 1000;
  const load = loadavg()[0]!.toFixed(2);
  const r = await runReal(n);
  console.log(JSON.stringify(r));
  const d = await doubleRow();
  const cp = r.controlPlaneCpuSeconds;
  const cpTotal = round(Object.values(cp).reduce((a, b) => a + b, 0));
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} with \`npx node test/bench/operator-scale.ts --real-cluster\` ` +
      `(Node ${process.version}; kube-apiserver and kube-controller-manager v1.20.2 built from Debian's source ` +
      'package, etcd 3.4 from Debian, all on loopback; the operator as a child process with ' +
      `\`${OPERATOR_NODE_FLAGS.join(' ')}\`). The same ${n} Collectors × ${MAX_SERVICES_PER_COLLECTOR} Services exist ` +
      'before the operator starts. No kubelet runs, so no Collector becomes Ready: converged (every status has ' +
      'observedGeneration == generation) is the comparable figure.',
    '',
    '| API server | Collectors × Services | workers | converged (s) | reconciles | operator peak RSS (MiB) | operator CPU (s) | API server side CPU (s) |',
    '|---|---|---|---|---|---|---|---|',
    `| real: kube-apiserver + etcd + kube-controller-manager | ${n} × ${MAX_SERVICES_PER_COLLECTOR} | ${r.workers} | ` +
      `${r.convergeSeconds} | ${r.reconciles} | ${r.peakRssMiB} | ${r.operatorCpuSeconds} | ${cpTotal} |`,
    ...(d
      ? [
          `| KubeApiTestServer (the "Operator scale" section) | ${d[0]} | ${d[1]} | ${d[2]} | ${d[4]} | ${d[6]} | ${d[7]} | ${d[8]} |`,
        ]
      : []),
    '',
    `Control-plane CPU until converged: ${Object.entries(cp)
      .map(([k, v]) => `${k} ${v} s`)
      .join(', ')}` +
      ` (including this benchmark's once-a-second list of the Collectors). kube-apiserver RSS after converging ` +
      `${r.apiserverRssMiB} MiB. Operator peak V8 heap in use ${r.peakHeapUsedMiB} MiB. Creating the objects ` +
      `(16 requests in flight) took ${r.setupSeconds} s.`,
    '',
    `Machine: ${availableParallelism()} CPUs shared by the operator and the control plane (and other work), ` +
      `load average ${load} at the start.`,
  ];
  await replaceSection('Operator scale on a real API server', lines.join('\n'));
  console.log(lines.join('\n'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv);
