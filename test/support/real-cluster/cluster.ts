// A real Kubernetes control plane on loopback for one test file: etcd (own data dir), kube-apiserver (TLS,
// RBAC, service-account tokens) and kube-controller-manager (Deployments → ReplicaSets → Pods, garbage
// collection, namespace deletion, service-account tokens). No scheduler and no kubelet: Pods stay Pending
// and Jobs never finish by themselves. Every port is picked free, so parallel test files never clash.
// stop() (call it from t.after/after) kills the processes and removes the directory; a test process that
// dies anyway takes its children with it (exit hook below).
import { KubeConfig } from '@kubernetes/client-node';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../rsyslog-receiver.ts';
import { waitFor } from '../wait.ts';
import { kubeBinaries, type KubeBinaries } from './binaries.ts';
import { generateClusterPki, type CertPair, type ClusterPki } from './pki.ts';

export interface RealClusterOptions {
  /**
   * The apiserver's watch cache (default on, as in production). Off, every watch goes to etcd, so a watch
   * from a compacted revision gets 410 Gone as soon as etcd compacts.
   */
  watchCache?: boolean;
  /** Start kube-controller-manager (default true). */
  controllerManager?: boolean;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface AuditEvent {
  verb: string;
  user: { username: string; groups?: string[] };
  objectRef?: {
    resource?: string;
    subresource?: string;
    namespace?: string;
    name?: string;
    apiGroup?: string;
  };
  responseStatus?: { code?: number; message?: string };
  requestURI: string;
}

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
`;

export interface KubeconfigFile {
  file: string;
  kc: KubeConfig;
}

export interface RealCluster {
  readonly dir: string;
  /** https://127.0.0.1:<port> */
  readonly server: string;
  readonly etcdUrl: string;
  readonly bin: KubeBinaries;
  /** system:masters. */
  readonly admin: KubeconfigFile;
  /** Process ids of etcd, kube-apiserver and kube-controller-manager (for CPU and memory readings). */
  readonly pids: Record<string, number>;
  /** A kubeconfig for a certificate user (CN=user, O=groups). */
  certificateUser(user: string, groups?: string[]): Promise<KubeconfigFile>;
  /** A kubeconfig that authenticates with a bearer token (a ServiceAccount's). */
  tokenUser(name: string, token: string): Promise<KubeconfigFile>;
  /** Waits for the token controller to issue `namespace/name`'s token and returns it. */
  serviceAccountToken(namespace: string, name: string): Promise<string>;
  kubectl(args: string[], opts?: { kubeconfig?: string; input?: string }): Promise<CommandResult>;
  helm(args: string[], opts?: { kubeconfig?: string }): Promise<CommandResult>;
  /** kubectl that throws with stderr on a non-zero exit. */
  kubectlOk(args: string[], opts?: { kubeconfig?: string; input?: string }): Promise<string>;
  /** The apiserver's audit log so far (one entry per request, Metadata level): who got which status. */
  auditEvents(): Promise<AuditEvent[]>;
  /** Stops kube-apiserver (SIGTERM; etcd and the rest keep running): clients get connection refused. */
  stopApiServer(): Promise<void>;
  /** Starts kube-apiserver again on the same address with the same certificates; resolves once it is ready. */
  startApiServer(): Promise<void>;
  /** Compacts etcd at its current revision; returns that revision. */
  compactEtcd(): Promise<number>;
  /**
   * What etcd holds under `key` (e.g. /registry/configmaps/NS/NAME; built-in kinds are protobuf), read
   * straight from etcd: works while the apiserver is down. modRevision is the object's resourceVersion.
   */
  etcdGet(key: string): Promise<{ value: Buffer; modRevision: string } | undefined>;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function startProcess(name: string, bin: string, args: string[], logFile: string): ChildProcess {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.once('error', (err) => log.write(`${name}: ${err.message}\n`));
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function runTool(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: string,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(bin, args, { env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

function writeKubeconfig(
  file: string,
  server: string,
  ca: string,
  user: string,
  auth: Record<string, string>,
): Promise<void> {
  return writeFile(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'real', cluster: { server, 'certificate-authority': ca } }],
      users: [{ name: user, user: auth }],
      contexts: [{ name: user, context: { cluster: 'real', user, namespace: 'default' } }],
      'current-context': user,
    }),
    { mode: 0o600 },
  );
}

function loadKc(file: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

/** GET with the admin certificate; resolves with the status code (0 when nothing answers yet). */
function probe(url: string, pki: ClusterPki, admin: CertPair): Promise<number> {
  return Promise.all([readFile(pki.ca.cert), readFile(admin.cert), readFile(admin.key)]).then(
    ([ca, cert, key]) =>
      new Promise<number>((resolve) => {
        const req = request(url, { ca, cert, key, timeout: 2000 }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', () => resolve(0));
        req.on('timeout', () => req.destroy());
        req.end();
      }),
  );
}

async function etcdCall(etcdUrl: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`etcd ${path}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export async function startRealCluster(opts: RealClusterOptions = {}): Promise<RealCluster> {
  const bin = await kubeBinaries();
  const dir = await mkdtemp(join(tmpdir(), 'real-cluster-'));
  const procs: ChildProcess[] = [];
  const pids: Record<string, number> = {};
  const exits: string[] = [];
  const stoppedOnPurpose = new WeakSet<ChildProcess>();
  const stop = async () => {
    for (const child of [...procs].reverse()) await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const pki = await generateClusterPki(join(dir, 'pki'));
    const [adminCert, kcmCert] = await Promise.all([
      pki.clientCert('admin', ['system:masters']),
      pki.clientCert('system:kube-controller-manager'),
    ]);
    const track = (name: string, child: ChildProcess) => {
      procs.push(child);
      if (child.pid) pids[name] = child.pid;
      child.once('exit', (code, signal) => {
        if (!stoppedOnPurpose.has(child)) exits.push(`${name} exited (${code ?? signal})`);
      });
      return child;
    };

    const [etcdPort, peerPort, apiPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    track(
      'etcd',
      startProcess(
        'etcd',
        bin.etcd,
        [
          '--name=test',
          `--data-dir=${join(dir, 'etcd')}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          `--listen-peer-urls=${peerUrl}`,
          `--initial-advertise-peer-urls=${peerUrl}`,
          `--initial-cluster=test=${peerUrl}`,
          '--log-level=warn',
        ],
        join(dir, 'etcd.log'),
      ),
    );
    const failed = () => (exits.length ? `${exits.join(', ')}; logs in ${dir}` : undefined);
    await waitFor(
      'etcd /health',
      async () => {
        const f = failed();
        if (f) throw new Error(f);
        return (await fetch(`${etcdUrl}/health`).catch(() => undefined))?.ok;
      },
      30_000,
      100,
    );

    const server = `https://127.0.0.1:${apiPort}`;
    const auditLog = join(dir, 'audit.log');
    await writeFile(join(dir, 'audit-policy.yaml'), AUDIT_POLICY);
    const apiserverArgs = [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      '--insecure-port=0',
      '--endpoint-reconciler-type=none',
      `--tls-cert-file=${pki.apiserver.cert}`,
      `--tls-private-key-file=${pki.apiserver.key}`,
      `--client-ca-file=${pki.ca.cert}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--authorization-mode=RBAC',
      `--watch-cache=${opts.watchCache ?? true}`,
      `--cert-dir=${join(dir, 'apiserver-certs')}`,
      '--profiling=false',
      `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`,
      `--audit-log-path=${auditLog}`,
      '--audit-log-format=json',
      '--audit-log-mode=blocking',
    ];
    let apiserver: ChildProcess | undefined;
    // Same port, certificates, etcd and audit log every time: to its clients a restart is an outage, no more.
    const startApiServer = async () => {
      apiserver = track(
        'kube-apiserver',
        startProcess('kube-apiserver', bin.kubeApiserver, apiserverArgs, join(dir, 'kube-apiserver.log')),
      );
      await waitFor(
        'kube-apiserver /readyz',
        async () => {
          const f = failed();
          if (f) throw new Error(f);
          return (await probe(`${server}/readyz`, pki, adminCert)) === 200;
        },
        120_000,
        200,
      );
    };
    const stopApiServer = async () => {
      const child = apiserver;
      if (!child) return;
      apiserver = undefined;
      procs.splice(procs.indexOf(child), 1);
      stoppedOnPurpose.add(child);
      await stopProcess(child);
    };
    await startApiServer();

    const kubeconfigFor = async (name: string, auth: Record<string, string>): Promise<KubeconfigFile> => {
      const file = join(dir, `${name.replace(/[^a-zA-Z0-9._-]/g, '_')}.kubeconfig`);
      await writeKubeconfig(file, server, pki.ca.cert, name, auth);
      return { file, kc: loadKc(file) };
    };
    const certAuth = (c: CertPair) => ({ 'client-certificate': c.cert, 'client-key': c.key });
    const admin = await kubeconfigFor('admin', certAuth(adminCert));

    if (opts.controllerManager ?? true) {
      const kcmKubeconfig = await kubeconfigFor('kube-controller-manager', certAuth(kcmCert));
      track(
        'kube-controller-manager',
        startProcess(
          'kube-controller-manager',
          bin.kubeControllerManager,
          [
            `--kubeconfig=${kcmKubeconfig.file}`,
            '--bind-address=127.0.0.1',
            '--secure-port=0',
            '--port=0',
            '--leader-elect=false',
            '--use-service-account-credentials=true',
            `--service-account-private-key-file=${pki.serviceAccountKey}`,
            `--root-ca-file=${pki.ca.cert}`,
            '--controllers=*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-route,-service,-attachdetach,-persistentvolume-binder,-persistentvolume-expander',
          ],
          join(dir, 'kube-controller-manager.log'),
        ),
      );
    }

    const env = (kubeconfig: string): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      HOME: dir,
      KUBECONFIG: kubeconfig,
      HELM_CACHE_HOME: join(dir, 'helm', 'cache'),
      HELM_CONFIG_HOME: join(dir, 'helm', 'config'),
      HELM_DATA_HOME: join(dir, 'helm', 'data'),
    });
    const kubectl = (args: string[], o: { kubeconfig?: string; input?: string } = {}) =>
      runTool(bin.kubectl, args, env(o.kubeconfig ?? admin.file), o.input);
    const cluster: RealCluster = {
      dir,
      server,
      etcdUrl,
      bin,
      admin,
      pids,
      certificateUser: async (user, groups) =>
        kubeconfigFor(`user-${user}`, certAuth(await pki.clientCert(user, groups))),
      tokenUser: (name, token) => kubeconfigFor(`token-${name}`, { token }),
      async serviceAccountToken(namespace, name) {
        const out = await waitFor(
          `the token of ServiceAccount ${namespace}/${name}`,
          async () => {
            const r = await kubectl(['get', 'secrets', '-n', namespace, '-o', 'json']);
            const items = (
              JSON.parse(r.stdout || '{"items":[]}') as {
                items: {
                  type: string;
                  metadata: { annotations?: Record<string, string> };
                  data?: { token?: string };
                }[];
              }
            ).items;
            return items.find(
              (s) =>
                s.type === 'kubernetes.io/service-account-token' &&
                s.metadata.annotations?.['kubernetes.io/service-account.name'] === name &&
                s.data?.token,
            )?.data?.token;
          },
          30_000,
          200,
        );
        return Buffer.from(out, 'base64').toString('utf8');
      },
      kubectl,
      helm: (args, o = {}) => runTool(bin.helm, args, env(o.kubeconfig ?? admin.file)),
      async kubectlOk(args, o) {
        const r = await kubectl(args, o);
        if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
        return r.stdout;
      },
      async auditEvents() {
        const text = await readFile(auditLog, 'utf8').catch(() => '');
        return text
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as AuditEvent)
          .filter((e) => (e as { stage?: string }).stage === 'ResponseComplete');
      },
      stopApiServer,
      startApiServer,
      async etcdGet(key) {
        const range = await etcdCall(etcdUrl, '/v3/kv/range', { key: Buffer.from(key).toString('base64') });
        const kv = (range.kvs as { value: string; mod_revision: string }[] | undefined)?.[0];
        return kv && { value: Buffer.from(kv.value, 'base64'), modRevision: kv.mod_revision };
      },
      async compactEtcd() {
        const range = await etcdCall(etcdUrl, '/v3/kv/range', { key: Buffer.from('/').toString('base64') });
        const revision = Number((range.header as { revision: string }).revision);
        await etcdCall(etcdUrl, '/v3/kv/compaction', { revision: String(revision), physical: true });
        return revision;
      },
      stop,
    };
    // The controller-manager is up once the token controller has issued default/default's token.
    if (opts.controllerManager ?? true) await cluster.serviceAccountToken('default', 'default');
    await mkdir(join(dir, 'helm'), { recursive: true });
    return cluster;
  } catch (err) {
    const logs = await Promise.all(
      ['etcd', 'kube-apiserver', 'kube-controller-manager'].map(async (n) =>
        readFile(join(dir, `${n}.log`), 'utf8').then(
          (s) => `--- ${n} (last lines)\n${s.split('\n').slice(-15).join('\n')}`,
          () => '',
        ),
      ),
    );
    await stop();
    throw new Error(`${(err as Error).message}\n${logs.join('\n')}`);
  }
}
