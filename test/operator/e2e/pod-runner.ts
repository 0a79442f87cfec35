// A kubelet stand-in for the e2e test: turns the Deployment the operator applied into a running collector
// runtime process. Volumes are materialized from the API server's ConfigMaps and Secrets into a temp dir
// laid out like the pod (mount paths under /devo-collector become paths under the pod dir), the container's
// env is resolved (fieldRefs included), and the container's args run the real CLI as a child process.
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parse, stringify } from 'yaml';
import type { JsonObject } from '../../support/kube-api-server/json-value.ts';
import type { PodContext, PodHandle } from '../../support/kube-api-server/controllers.ts';

const POD_ROOT = '/devo-collector';
const ROOT = new URL('../../../', import.meta.url).pathname;

interface Volume {
  name: string;
  configMap?: { name: string; items?: { key: string; path: string }[] };
  secret?: { secretName: string; items?: { key: string; path: string }[] };
}
interface Container {
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  volumeMounts?: { name: string; mountPath: string }[];
}

/** Where the pod's ConfigMaps and Secrets are read from: the test double's store or a real API server. */
export interface ObjectSource {
  getObject(
    apiVersion: string,
    kind: string,
    name: string,
    namespace: string,
  ): JsonObject | undefined | Promise<JsonObject | undefined>;
}

export interface PodRunnerOptions {
  server: ObjectSource;
  kubeconfig: string;
  /** Where pod dirs go: `<dir>/<pod name>`. */
  dir: string;
  /** Collects each runtime's stdout/stderr lines (for failure messages). */
  output: string[];
}

/** What a container path means on this machine. */
function hostPath(podDir: string, path: string): string {
  return path.startsWith(POD_ROOT) ? join(podDir, path.slice(POD_ROOT.length)) : join(podDir, 'root', path);
}

async function materializeVolume(
  server: ObjectSource,
  namespace: string,
  volume: Volume,
  target: string,
): Promise<void> {
  await mkdir(target, { recursive: true });
  let files: Record<string, Buffer> = {};
  let items: { key: string; path: string }[] | undefined;
  if (volume.configMap) {
    const cm = await server.getObject('v1', 'ConfigMap', volume.configMap.name, namespace);
    files = Object.fromEntries(
      Object.entries((cm?.data ?? {}) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v)]),
    );
    items = volume.configMap.items;
  } else if (volume.secret) {
    const secret = await server.getObject('v1', 'Secret', volume.secret.secretName, namespace);
    files = Object.fromEntries(
      Object.entries((secret?.data ?? {}) as Record<string, string>).map(([k, v]) => [
        k,
        Buffer.from(v, 'base64'),
      ]),
    );
    items = volume.secret.items;
  } else return;
  const wanted = items ?? Object.keys(files).map((key) => ({ key, path: key }));
  for (const { key, path } of wanted)
    if (files[key]) await writeFile(join(target, path), files[key], { mode: 0o600 });
}

export function podRunner(opts: PodRunnerOptions) {
  return async (deployment: JsonObject, pod: PodContext): Promise<PodHandle> => {
    const podDir = join(opts.dir, pod.podName);
    const spec = (
      deployment.spec as unknown as { template: { spec: { volumes?: Volume[]; containers: Container[] } } }
    ).template.spec;
    const container = spec.containers[0]!;
    const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
    for (const mount of container.volumeMounts ?? []) {
      const volume = volumes.get(mount.name);
      if (volume)
        await materializeVolume(opts.server, pod.namespace, volume, hostPath(podDir, mount.mountPath));
    }
    // A pod has its own network namespace; here every runtime shares the host, so let the OS pick the port.
    const configFile = join(podDir, 'config', 'config.yaml');
    const config = parse((await readFile(configFile, 'utf8')).replaceAll(`${POD_ROOT}/`, `${podDir}/`)) as {
      globals: { metrics?: { port?: number } };
    };
    config.globals.metrics = { ...config.globals.metrics, port: 0 };
    await writeFile(configFile, stringify(config));

    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, KUBECONFIG: opts.kubeconfig, LOG_LEVEL: 'info' };
    for (const e of container.env ?? []) {
      const field = e.valueFrom?.fieldRef?.fieldPath;
      if (field === 'metadata.name') env[e.name] = pod.podName;
      else if (field === 'metadata.namespace') env[e.name] = pod.namespace;
      else if (e.value !== undefined)
        env[e.name] = e.value.startsWith(POD_ROOT) ? hostPath(podDir, e.value) : e.value;
    }
    const child = spawn(
      process.execPath,
      [join(ROOT, 'collector-runtime/src/cli/main.ts'), ...(container.args ?? [])],
      {
        cwd: podDir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    // Whole lines: a chunk of the pipe may end mid-line.
    for (const stream of [child.stdout!, child.stderr!])
      createInterface({ input: stream }).on('line', (line) => line && opts.output.push(line));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return {
      exited,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      },
    };
  };
}
