import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { runRender } from '../../../operator/src/cli/render-command.ts';
import { admit } from '../api/crd-admission.ts';
import { builtinProblems } from './builtin-checks.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const NOW = Date.parse('2025-06-01T00:00:00Z');
const SENTINEL = 'S3nt1nel~render-secret-value-0042';

/** Every YAML file under examples/ that holds a collectors.devo.com resource (sandbox excluded). */
function exampleCrFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory() && e.name !== 'sandbox') walk(path);
      else if (
        /\.ya?ml$/.test(e.name) &&
        /^apiVersion: collectors\.devo\.com\//m.test(readFileSync(path, 'utf8'))
      )
        out.push(path);
    }
  };
  walk(join(ROOT, 'examples'));
  return out.sort();
}

async function render(args: string[], files: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runRender(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    readFile: async (p) => (p in files ? files[p]! : readFileSync(p, 'utf8')),
    now: () => NOW,
  });
  const objects = parseAllDocuments(stdout)
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => o !== null);
  return { code, stdout, stderr, objects };
}

test('examples/ holds a Collector and its Services per source; Microsoft Graph has all eight Services', () => {
  const files = exampleCrFiles().map((f) => relative(ROOT, f));
  for (const source of ['microsoft-graph', 'office365', 'exchange-message-trace', 'proofpoint-on-demand'])
    for (const file of ['collector.yaml', 'services.yaml'])
      assert.ok(files.includes(`examples/${source}/${file}`), `examples/${source}/${file}`);
  const services = parseAllDocuments(
    readFileSync(join(ROOT, 'examples/microsoft-graph/services.yaml'), 'utf8'),
  ).map((d) => (d.toJS() as { spec: { service: string } }).spec.service);
  assert.equal(new Set(services).size, 8);
});

for (const file of exampleCrFiles()) {
  test(`${relative(ROOT, file)}: every resource passes the generated CRD schema and its CEL rules`, () => {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const obj = doc.toJS();
      if (obj === null) continue;
      assert.deepEqual(admit(obj).problems, [], `${obj.kind} ${obj.metadata?.name}`);
    }
  });
}

test('the examples name no namespace (nothing would create it): they are applied with -n', () => {
  for (const file of exampleCrFiles())
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8')))
      assert.equal((doc.toJS() as KubernetesObject).metadata?.namespace, undefined, relative(ROOT, file));
});

test('render of every example: valid built-in objects for each Collector, exit 0', async () => {
  const args = [...exampleCrFiles().flatMap((f) => ['-f', f]), '-n', 'devo-collectors'];
  const { code, stderr, objects, stdout } = await render(args);
  assert.equal(stderr, '');
  assert.equal(code, 0);
  assert.match(stdout, /^# Collector devo-collectors\/graph-audit: ConfigValid=True, SecretsFound=True$/m);
  assert.deepEqual(builtinProblems(objects), []);
  const deployments = objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata?.name);
  const collectors = exampleCrFiles()
    .flatMap((f) => parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJS() as KubernetesObject))
    .filter((o) => o.kind === 'Collector')
    .map((o) => o.metadata?.name);
  assert.deepEqual(deployments.sort(), collectors.sort(), 'one Deployment per example Collector');
  assert.ok(
    objects.some((o) => o.kind === 'PersistentVolumeClaim' && o.metadata?.name === 'graph-security-state'),
  );
  for (const o of objects) assert.equal(o.metadata?.namespace, 'devo-collectors');
});

test('render: a Secret declared without a key leaves the Deployment out and names the key, exit 1', async () => {
  const args = [
    ...exampleCrFiles().flatMap((f) => ['-f', f]),
    '--secret-keys',
    'graph-credentials=tenant_id,client_id',
  ];
  const { code, stderr, objects } = await render(args);
  assert.equal(code, 1);
  assert.match(
    stderr,
    /SecretsFound=False \(SecretKeyMissing\): Secret graph-credentials \(spec\.credentialsSecretRef\) has no key client_secret/,
  );
  assert.ok(!objects.some((o) => o.kind === 'Deployment' && o.metadata?.name === 'graph-audit'));
  assert.ok(objects.some((o) => o.kind === 'ConfigMap' && o.metadata?.name === 'graph-audit-config'));
});

const collector = `apiVersion: collectors.devo.com/v1alpha1
kind: Collector
metadata:
  name: graph-audit
spec:
  source: microsoft_graph_audit
  credentialsSecretRef:
    name: creds
  output:
    address: collector-us.devo.io
    certificateSecretRef:
      name: certs
`;
const service = (spec: string) => `---
apiVersion: collectors.devo.com/v1alpha1
kind: Service
metadata:
  name: sign-ins
spec:
  collectorRef:
    name: graph-audit
${spec}`;

test('render: Secrets in the files count by key name; their values never reach the output', async () => {
  const secret = `---
apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  tenant_id: t
  client_id: c
  client_secret: ${SENTINEL}
`;
  const { code, stdout, stderr, objects } = await render(['-f', 'in.yaml'], {
    'in.yaml': collector + service('  service: signIns\n') + secret,
  });
  assert.equal(stderr, '');
  assert.equal(code, 0);
  assert.ok(!stdout.includes(SENTINEL) && !stderr.includes(SENTINEL));
  assert.ok(objects.every((o) => o.metadata?.namespace === 'default'));
});

test('render output can be applied: no owner references (no uid before the API server has the Collector)', async () => {
  const { code, objects } = await render(exampleCrFiles().flatMap((f) => ['-f', f]));
  assert.equal(code, 0);
  assert.ok(objects.length > 0);
  for (const o of objects)
    assert.equal(o.metadata?.ownerReferences, undefined, `${o.kind} ${o.metadata?.name}`);
});

test("render -f DIR reads the directory's YAML files like kubectl, and skips kinds that are not ours", async () => {
  const dir = join(ROOT, 'examples/microsoft-graph');
  const byFiles = await render(
    exampleCrFiles()
      .filter((f) => f.startsWith(dir))
      .flatMap((f) => ['-f', f]),
  );
  const byDir = await render(['-f', dir]);
  assert.equal(byDir.code, 0);
  assert.equal(byDir.stdout, byFiles.stdout);
  const other = await render(['-f', 'x.yaml'], {
    'x.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: sec\n---\n${collector}${service('  service: signIns\n')}`,
  });
  assert.equal(other.stderr, '');
  assert.equal(other.code, 0);
  assert.ok(!other.objects.some((o) => o.kind === 'Namespace'));
});

const invalid: { name: string; args: string[]; files?: Record<string, string>; expect: RegExp }[] = [
  { name: 'no file', args: [], expect: /name at least one file with -f/ },
  { name: 'an unknown option', args: ['--bogus'], expect: /unknown option "--bogus"/ },
  {
    name: 'a missing file',
    args: ['-f', '/nonexistent/x.yaml'],
    expect: /\/nonexistent\/x\.yaml: cannot read/,
  },
  {
    name: 'bad YAML',
    args: ['-f', 'x.yaml'],
    files: { 'x.yaml': 'a: [' },
    expect: /x\.yaml \(document 1\): invalid YAML/,
  },
  {
    name: 'a schema violation',
    args: ['-f', 'x.yaml'],
    files: { 'x.yaml': collector.replace('  source: microsoft_graph_audit\n', '') },
    expect: /Collector graph-audit spec\.source: is required/,
  },
  {
    name: 'a field typo',
    args: ['-f', 'x.yaml'],
    files: { 'x.yaml': collector + service('  service: signIns\n  startTime: "2024-01-01T00:00:00Z"\n') },
    expect: /Service sign-ins spec\.startTime: unknown field/,
  },
  {
    name: 'a Service whose Collector is not in the files',
    args: ['-f', 'x.yaml'],
    files: { 'x.yaml': service('  service: signIns\n').replace('---\n', '') },
    expect:
      /Service default\/sign-ins: spec\.collectorRef\.name "graph-audit" names no Collector in the files/,
  },
  {
    name: 'another version of the API',
    args: ['-f', 'x.yaml'],
    files: { 'x.yaml': collector.replace('v1alpha1', 'v1beta1') },
    expect:
      /collectors\.devo\.com\/v1beta1\/Collector is not a collectors\.devo\.com\/v1alpha1 Collector or Service/,
  },
  {
    name: 'a config the runtime rejects',
    args: ['-f', 'x.yaml'],
    files: {
      'x.yaml': collector + service('  service: signIns\n  startTimeInUtc: "2030-01-01T00:00:00Z"\n'),
    },
    expect:
      /ConfigValid=False \(ConfigInvalid\): Service sign-ins spec\.startTimeInUtc: invalid start time "2030-01-01T00:00:00Z": must be in the past/,
  },
];

for (const c of invalid) {
  test(`render: ${c.name} exits 1 with a clear message`, async () => {
    const { code, stderr } = await render(c.args, c.files);
    assert.equal(code, 1);
    assert.match(stderr, c.expect);
  });
}

test('render --help prints the usage and exits 0', async () => {
  const { code, stdout } = await render(['--help']);
  assert.equal(code, 0);
  assert.match(stdout, /^Usage: devo-collector-operator render -f FILE/);
});
