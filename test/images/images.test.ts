// Smoke test of the two container images as built by images/build.sh (.ci/run builds them first). Runs them
// with podman the way users do: --help, `validate` of the stand-alone example with generated certificates,
// `run` as uid 10001 with a read-only root filesystem against the Graph simulator and an rsyslog mTLS receiver
// on the host network (events arrive, checkpoints land in the mounted state/, SIGTERM exits 0), the reset
// Job's command, and the operator's `render`.
// Skipped when podman or the images are missing (a developer machine), unless DEVO_REQUIRE_IMAGES=1 (CI).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chown, copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import {
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  SIM_TENANT_ID,
  startGraphSimulator,
  type GraphSimulator,
} from '../simulators/graph/server.ts';
import { freePort, startRsyslogReceiver, type RsyslogReceiver } from '../support/rsyslog-receiver.ts';
import { generateTestPki, type TestPki } from '../support/tls-certs.ts';
import { waitFor } from '../support/wait.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const RUNTIME_IMAGE = process.env.RUNTIME_IMAGE ?? `localhost/devo-collector:${version}`;
const OPERATOR_IMAGE = process.env.OPERATOR_IMAGE ?? `localhost/devo-collector-operator:${version}`;
const UID = 10001;
const MAX_IMAGE_BYTES = 200e6;

const run = promisify(execFile);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function podman(...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run('podman', args, { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err; // podman itself is missing
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** `node -e script` in a throwaway container of `image` (the images ship no shell). */
function nodeIn(image: string, script: string): Promise<Result> {
  return podman('run', '--rm', '--entrypoint', 'node', image, '-e', script);
}

async function skipReason(): Promise<string | undefined> {
  try {
    await run('podman', ['--version']);
  } catch {
    return 'podman is not installed';
  }
  if (process.getuid?.() !== 0) return 'needs root (mounted files are chowned to uid 10001)';
  for (const image of [RUNTIME_IMAGE, OPERATOR_IMAGE])
    if ((await podman('image', 'exists', image)).code !== 0) return `${image} is not built (images/build.sh)`;
  return undefined;
}

const reason = await skipReason();
if (reason && process.env.DEVO_REQUIRE_IMAGES === '1')
  throw new Error(`image smoke test cannot run: ${reason}`);
const skip = reason ? `${reason}; DEVO_REQUIRE_IMAGES=1 makes this a failure` : false;

interface ImageInfo {
  Size: number;
  RootFS: { Layers: string[] };
  Config: { User?: string; Volumes?: Record<string, unknown> | null; Labels?: Record<string, string> };
}

async function inspect(image: string): Promise<ImageInfo> {
  const r = await podman('image', 'inspect', image);
  return (JSON.parse(r.stdout) as ImageInfo[])[0]!;
}

let dir: string;
let pki: TestPki;
before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'images-test-'));
  pki = await generateTestPki(join(dir, 'pki'));
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** certs/ and credentials/ as a user lays them out, owned by the runtime's uid (keys 0600). */
async function userFiles(home: string, owner = UID): Promise<void> {
  for (const d of ['certs', 'config', 'credentials', 'state'])
    await mkdir(join(home, d), { recursive: true });
  await copyFile(pki.caCert, join(home, 'certs', 'chain.crt'));
  await copyFile(pki.clientCert, join(home, 'certs', 'cert.crt'));
  await copyFile(pki.clientKey, join(home, 'certs', 'key.key'));
  await writeFile(join(home, 'credentials', 'client_secret'), SIM_CLIENT_SECRET, { mode: 0o600 });
  for (const f of [
    'certs/chain.crt',
    'certs/cert.crt',
    'certs/key.key',
    'credentials/client_secret',
    'state',
  ])
    await chown(join(home, f), owner, owner);
}

const mounts = (home: string) => [
  '-v',
  `${home}/certs:/devo-collector/certs:ro`,
  '-v',
  `${home}/config:/devo-collector/config:ro`,
  '-v',
  `${home}/credentials:/devo-collector/credentials:ro`,
];

test(
  'both images: --help, uid 10001, OCI labels, no VOLUME, no npm, ≤ 200 MB, dependency layers shared',
  { skip },
  async () => {
    const rt = await podman('run', '--rm', RUNTIME_IMAGE, '--help');
    assert.equal(rt.code, 0, rt.stderr);
    assert.match(rt.stdout, /Usage: devo-collector <command>/);
    const op = await podman('run', '--rm', OPERATOR_IMAGE, '--help');
    assert.equal(op.code, 0, op.stderr);
    assert.match(op.stdout, /Usage: devo-collector-operator/);

    const [runtime, operator] = [await inspect(RUNTIME_IMAGE), await inspect(OPERATOR_IMAGE)];
    for (const [name, info] of [
      ['runtime', runtime],
      ['operator', operator],
    ] as const) {
      assert.equal(info.Config.User, `${UID}:${UID}`, `${name} user`);
      assert.deepEqual(Object.keys(info.Config.Volumes ?? {}), [], `${name} declares no VOLUME`);
      const labels = info.Config.Labels ?? {};
      assert.equal(labels['org.opencontainers.image.version'], version, `${name} version label`);
      assert.match(labels['org.opencontainers.image.revision'] ?? '', /^[0-9a-f]{40}$|^unknown$/);
      assert.match(labels['org.opencontainers.image.source'] ?? '', /^https:\/\//);
      assert.ok(info.Size <= MAX_IMAGE_BYTES, `${name} is ${(info.Size / 1e6).toFixed(0)} MB, over 200 MB`);
    }
    // The base image, node and node_modules layers are the same in both: a registry or node stores them once.
    const shared = runtime.RootFS.Layers.filter((l) => operator.RootFS.Layers.includes(l));
    assert.ok(shared.length >= 2, `shared layers: ${shared.length}`);
    // Only node ships: no npm, npx or shell.
    const probe = await nodeIn(
      RUNTIME_IMAGE,
      'const fs = require("node:fs"); console.log(["/usr/local/bin/npm", "/usr/local/bin/npx", "/bin/sh", "/usr/local/lib/node_modules/npm"].filter((p) => fs.existsSync(p)).join(","))',
    );
    assert.equal(probe.code, 0, probe.stderr);
    assert.equal(probe.stdout.trim(), '');
  },
);

test(
  'runtime validate: the stand-alone example with generated certificates is valid; a root-only key is refused',
  { skip },
  async () => {
    const home = join(dir, 'validate');
    await userFiles(home);
    await copyFile(
      join(ROOT, 'examples/standalone/microsoft-graph/config.yaml'),
      join(home, 'config', 'config.yaml'),
    );
    const ok = await podman('run', '--rm', '--read-only', ...mounts(home), RUNTIME_IMAGE, 'validate');
    assert.equal(ok.code, 0, `${ok.stdout}${ok.stderr}`);

    await chown(join(home, 'certs', 'key.key'), 0, 0); // 0600 root: what a user gets without chown 10001
    const bad = await podman('run', '--rm', '--read-only', ...mounts(home), RUNTIME_IMAGE, 'validate');
    assert.equal(bad.code, 1);
    assert.match(`${bad.stdout}${bad.stderr}`, /key\.key/);
  },
);

let sim: GraphSimulator | undefined;
let rx: RsyslogReceiver | undefined;
after(async () => {
  await sim?.close();
  await rx?.stop();
});

test(
  'runtime run: read-only root, uid 10001, host network → Graph simulator → rsyslog mTLS, checkpoints in state/, SIGTERM exits 0',
  { skip },
  async (t) => {
    rx = await startRsyslogReceiver({ pki, dir: join(dir, 'rsyslog') });
    sim = await startGraphSimulator({ seed: 3 });
    const now = Date.now();
    const records = sim.addRecords('signIns', 390, { from: now - 50 * 60_000, to: now - 60_000 });
    const home = join(dir, 'run');
    await userFiles(home);
    const metricsPort = await freePort();
    const config = parse(
      await readFile(join(ROOT, 'examples/standalone/microsoft-graph/config.yaml'), 'utf8'),
    ) as Record<string, Record<string, unknown>>;
    config.globals = { ...config.globals, metrics: { host: '127.0.0.1', port: metricsPort } };
    config.outputs = {
      devo_1: {
        type: 'devo_platform',
        config: { address: 'localhost', port: rx.port, chain: 'chain.crt', cert: 'cert.crt', key: 'key.key' },
      },
    };
    config.inputs = {
      microsoft_graph_audit: {
        id: 'image-test',
        environment: 'image-test',
        credentials: {
          tenant_id: SIM_TENANT_ID,
          client_id: SIM_CLIENT_ID,
          client_secret_file: '/devo-collector/credentials/client_secret',
        },
        override_base_url: sim.url,
        override_login_url: `${sim.url}/`,
        services: {
          signIns: { start_time_in_utc: new Date(now - 60 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z') },
        },
      },
    };
    await writeFile(join(home, 'config', 'config.yaml'), stringify(config));

    const name = `devo-image-test-${process.pid}`;
    t.after(() => podman('rm', '-f', name));
    const started = await podman(
      'run',
      '-d',
      '--name',
      name,
      '--read-only',
      '--network',
      'host',
      ...mounts(home),
      '-v',
      `${home}/state:/devo-collector/state`,
      RUNTIME_IMAGE,
    );
    assert.equal(started.code, 0, started.stderr);
    const logs = async () => (await podman('logs', name)).stdout.slice(-2000);

    await waitFor(
      '/healthz',
      async () => (await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).ok,
      30_000,
      200,
    );
    await waitFor(
      `${records.length} events at the receiver`,
      async () => (await rx!.countLines()) >= records.length,
      60_000,
      200,
    ).catch(async (err: Error) => assert.fail(`${err.message}\n${await logs()}`));
    const lines = await rx.lines();
    const ids = new Set(lines.map((l) => (JSON.parse(l.slice(l.indexOf(': ') + 2)) as { id: string }).id));
    assert.deepEqual([...ids].sort(), records.map((r) => r.id).sort());
    await waitFor(
      'a checkpoint file in the mounted state/',
      async () => (await readdir(join(home, 'state'))).some((f) => f.endsWith('.json')),
      30_000,
      200,
    );

    const top = await podman(
      'exec',
      name,
      'node',
      '-e',
      'console.log(process.getuid()); require("node:fs").writeFileSync("/probe", "")',
    );
    assert.notEqual(top.code, 0, 'the root filesystem is read-only');
    assert.match(top.stdout, /^10001$/m);

    assert.equal((await podman('stop', '--time', '30', name)).code, 0);
    const exit = await podman('inspect', '--format', '{{.State.ExitCode}}', name);
    assert.equal(exit.stdout.trim(), '0', await logs());
  },
);

test(
  'runtime image: state/ is not writable without a mount; the reset Job command removes a state file',
  { skip },
  async () => {
    const unmounted = await nodeIn(
      RUNTIME_IMAGE,
      'require("node:fs").accessSync("/devo-collector/state", require("node:fs").constants.W_OK)',
    );
    assert.notEqual(unmounted.code, 0, 'a forgotten state mount must not silently write into the container');

    const state = join(dir, 'reset-state');
    await mkdir(state, { recursive: true });
    await writeFile(join(state, 'microsoft_graph_audit.x.signIns.json'), '{}');
    await chown(state, UID, UID);
    // The exact command the operator's reset Job runs (operator/src/controller/reset.ts).
    const reset = await podman(
      'run',
      '--rm',
      '--read-only',
      '-v',
      `${state}:/devo-collector/state`,
      '--entrypoint',
      'node',
      RUNTIME_IMAGE,
      '-e',
      'require("node:fs").rmSync(process.argv[1], { force: true })',
      '/devo-collector/state/microsoft_graph_audit.x.signIns.json',
    );
    assert.equal(reset.code, 0, reset.stderr);
    assert.deepEqual(await readdir(state), []);
  },
);

test(
  'operator render: the example Collectors become a Deployment running the runtime of the same version',
  { skip },
  async () => {
    const r = await podman(
      'run',
      '--rm',
      '--read-only',
      '-v',
      `${join(ROOT, 'examples/microsoft-graph')}:/examples:ro`,
      OPERATOR_IMAGE,
      'render',
      '-f',
      '/examples/collector.yaml',
      '-f',
      '/examples/services.yaml',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /kind: Deployment/);
    assert.match(
      r.stdout,
      new RegExp(`image: ghcr\\.io/devo/devo-collector:${version.replaceAll('.', '\\.')}\\b`),
    );
  },
);
