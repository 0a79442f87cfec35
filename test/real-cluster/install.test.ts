// Installing the way the README says, with the real kubectl against a real API server: the CRDs, every
// example, `kubectl explain` and `kubectl get devo`, and `render` output applied as it is.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { startRealCluster, type RealCluster } from '../support/real-cluster/cluster.ts';
import { installCrds, OPERATOR_MAIN, ROOT, waitFor } from './support.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const EXAMPLE_NS = 'devo-collectors';

/** Every Kubernetes manifest among examples/*\/*.yaml (the sandbox's runtime config.yaml is not one). */
function exampleManifests(): string[] {
  const files: string[] = [];
  for (const dir of readdirSync(join(ROOT, 'examples'), { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(join(ROOT, 'examples', dir.name)).filter((n) => /\.ya?ml$/.test(n))) {
      const path = join(ROOT, 'examples', dir.name, f);
      const docs = parseAllDocuments(readFileSync(path, 'utf8')).map(
        (d) => d.toJS() as { apiVersion?: string; kind?: string } | null,
      );
      if (docs.some((d) => d?.apiVersion && d.kind)) files.push(path);
    }
  }
  return files.sort();
}

describe('installing on a real API server with the real kubectl', { timeout: 300_000 }, () => {
  let cluster: RealCluster;
  before(
    async () => {
      cluster = await startRealCluster({ controllerManager: false });
    },
    { timeout: 1_200_000 },
  );
  after(async () => cluster?.stop());

  test('server-side apply of the CRDs is refused before Kubernetes 1.25 (why the README says otherwise)', async () => {
    const r = await cluster.kubectl(['apply', '--server-side', '--dry-run=server', '-f', join(ROOT, 'crds')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /x-kubernetes-validations/);
  });

  test('the CRDs install the way the README says and serve kubectl explain and the devo category', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    assert.match(readme, /kubectl apply --validate=false -f crds\//, 'the README gives this command');
    await installCrds(cluster);
    // The apiserver publishes a new CRD's OpenAPI model a moment after the CRD is Established.
    const explain = await waitFor(
      'kubectl explain collectors.spec.resources',
      async () => {
        const r = await cluster.kubectl(['explain', 'collectors.spec.resources']);
        if (r.code !== 0) throw new Error(r.stderr);
        return r.stdout;
      },
      60_000,
      1000,
    );
    assert.match(explain, /limits/);
    const get = await cluster.kubectl(['get', 'devo', '-A']);
    assert.equal(get.code, 0, get.stderr);
  });

  test('every example applies, into a namespace the user chooses', async () => {
    const files = exampleManifests();
    assert.ok(files.length >= 2, `examples found: ${files.join(', ')}`);
    await cluster.kubectlOk(['create', 'namespace', EXAMPLE_NS]);
    const r = await cluster.kubectl(['apply', '-n', EXAMPLE_NS, ...files.flatMap((f) => ['-f', f])]);
    assert.equal(r.code, 0, `kubectl apply of the examples failed:\n${r.stderr}`);
    const kinds = files.flatMap((f) =>
      parseAllDocuments(readFileSync(f, 'utf8')).map((d) => (d.toJS() as { kind?: string } | null)?.kind),
    );
    const count = (kind: string) => kinds.filter((k) => k === kind).length;
    const collectors = await cluster.kubectlOk(['get', 'collectors', '-n', EXAMPLE_NS, '-o', 'name']);
    assert.equal(collectors.trim().split('\n').length, count('Collector'), collectors);
    const services = await cluster.kubectlOk([
      'get',
      'services.collectors.devo.com',
      '-n',
      EXAMPLE_NS,
      '-o',
      'name',
    ]);
    assert.equal(services.trim().split('\n').length, count('Service'), services);
    assert.ok(count('Collector') >= 5, 'one example Collector per source at least');
  });

  test('render output applies as it is (server-side dry run)', async () => {
    const rendered = await run(
      process.execPath,
      [OPERATOR_MAIN, 'render', '-n', EXAMPLE_NS, '-f', join(ROOT, 'examples/microsoft-graph')],
      {
        maxBuffer: 16 * 1024 * 1024,
      },
    ).catch((err: { stdout?: string; stderr?: string }) => ({
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    }));
    assert.ok(rendered.stdout.includes('kind: Deployment'), `render printed objects:\n${rendered.stderr}`);
    const r = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: rendered.stdout });
    assert.equal(r.code, 0, `render output refused:\n${r.stderr}`);
  });
});
