// The collector runtime as it runs in a pod: the real CLI in its own process, in the Docker layout
// (certs/ config/ state/), against the Graph simulator and an rsyslog mTLS receiver. The memory and soak
// benchmarks measure this process from outside (/proc/<pid>/status), so nothing of the benchmark's own
// memory shows in the numbers.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  SIM_TENANT_ID,
  type GraphSimulator,
} from '../simulators/graph/server.ts';
import { freePort } from '../support/rsyslog-receiver.ts';
import { writeRuntimeHome } from '../support/runtime-run.ts';
import type { TestPki } from '../support/tls-certs.ts';
import { imageLikeApp } from './image-like.ts';
import { waitFor } from '../support/wait.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The runtime as the image ships and starts it: its main.js (test/bench/image-like.ts), node's flags from
 * Dockerfile.runtime's ENTRYPOINT, NODE_OPTIONS and the malloc settings from its ENV.
 */
export async function asTheImageRunsIt(
  dir: string,
): Promise<Required<Pick<RuntimeProcessOptions, 'main' | 'env' | 'nodeArgs'>>> {
  const app = await imageLikeApp(dir, ['collector-runtime/src']);
  return {
    main: join(app, 'collector-runtime/src/cli/main.js'),
    env: RUNTIME_IMAGE_ENV,
    nodeArgs: RUNTIME_IMAGE_NODE_ARGS,
  };
}

export interface RuntimeProcessOptions {
  home: string;
  pki: TestPki;
  receiverPort: number;
  sim: GraphSimulator;
  /** Graph audit services with their settings (`{ signIns: { request_period_in_seconds: 60 } }`). */
  services: Record<string, Record<string, unknown>>;
  /** ConfigMap state and status reporting through this kubeconfig (the Kubernetes configuration). */
  kube?: { kubeconfig: string; namespace: string; collector: string };
  /** The entry point: asTheImageRunsIt()'s main.js, or by default the TypeScript sources' main.ts. */
  main?: string;
  /** More environment: RUNTIME_IMAGE_ENV to run as the image does. */
  env?: Record<string, string>;
  /** node's own flags, before the entry point. */
  nodeArgs?: readonly string[];
}

export interface RuntimeProcess {
  readonly child: ChildProcess;
  readonly metricsUrl: string;
  /** VmRSS and VmHWM (peak) of the runtime process, MiB. */
  memory(): Promise<{ rssMiB: number; peakMiB: number }>;
  /** The value of one unlabelled-or-summed metric from /metrics. */
  metric(name: string): Promise<number>;
  /** SIGTERM and the exit code. */
  stop(): Promise<number | null>;
}

export async function startRuntimeProcess(o: RuntimeProcessOptions): Promise<RuntimeProcess> {
  const port = await freePort();
  await writeRuntimeHome({
    home: o.home,
    pki: o.pki,
    receiverPort: o.receiverPort,
    name: 'bench',
    globals: {
      id: 'bench',
      persistence: o.kube
        ? { type: 'configmap', config: { name: `${o.kube.collector}-state`, namespace: o.kube.namespace } }
        : { type: 'filesystem', config: { directory_name: 'state' } },
      metrics: { host: '127.0.0.1', port },
      ...(o.kube ? { kubernetes_status: { collector: o.kube.collector, namespace: o.kube.namespace } } : {}),
    },
    inputs: {
      microsoft_graph_audit: {
        id: 'bench',
        credentials: { tenant_id: SIM_TENANT_ID, client_id: SIM_CLIENT_ID, client_secret: SIM_CLIENT_SECRET },
        override_base_url: o.sim.url,
        override_login_url: `${o.sim.url}/`,
        services: o.services,
      },
    },
  });
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, CONFIG_FILE: 'config.yaml', LOG_LEVEL: 'warn' };
  if (o.kube) env.KUBECONFIG = o.kube.kubeconfig;
  Object.assign(env, o.env);
  const main = o.main ?? join(ROOT, 'collector-runtime/src/cli/main.ts');
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), main, 'run'], {
    cwd: o.home,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean).slice(-50));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await waitFor(
    'the runtime answering /healthz',
    async () => {
      if (child.exitCode !== null) return true;
      return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
    },
    30_000,
    100,
  );
  if (child.exitCode !== null) throw new Error(`the runtime exited: ${output.slice(-5).join('\n')}`);
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  return {
    child,
    metricsUrl,
    async memory() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
      return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
    },
    async metric(name: string) {
      const text = await (await fetch(metricsUrl)).text();
      let sum = 0;
      for (const line of text.split('\n'))
        if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.split(' ').pop());
      return sum;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile.runtime'), 'utf8');

/** NODE_OPTIONS and the malloc settings as Dockerfile.runtime sets them: benchmarks run the runtime as the image does. */
export const RUNTIME_IMAGE_ENV: Record<string, string> = Object.fromEntries(
  [...DOCKERFILE.matchAll(/\b(NODE_OPTIONS|MALLOC_\w+)=(?:"([^"]*)"|(\S+))/g)].map((m) => [
    m[1]!,
    m[2] ?? m[3]!,
  ]),
);

/** node's flags in Dockerfile.runtime's ENTRYPOINT: what comes between `node` and main.js. */
export const RUNTIME_IMAGE_NODE_ARGS: readonly string[] = (
  JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(DOCKERFILE)![1]!) as string[]
).slice(1, -1);

/** How the image starts the runtime, for the benchmarks' descriptions. */
export function imageStartText(): string {
  return [
    `\`node ${RUNTIME_IMAGE_NODE_ARGS.join(' ')} main.js\``,
    ...Object.entries(RUNTIME_IMAGE_ENV).map(([k, v]) => `\`${k}=${v}\``),
  ].join(', ');
}
