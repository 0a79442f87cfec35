// The real `devo-collector-operator run` as a child process against the test API server: health and metrics
// on one port, leader election on a Lease, a Collector reconciled, and a clean stop on SIGTERM that hands
// the Lease back.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { aCollector, aService, NAMESPACE, OperatorHarness, waitFor } from '../controller/operator-harness.ts';
import { parseLogLine } from '../../support/log-lines.ts';
import { operatorRunFlags } from '../../support/operator-flags.ts';

const MAIN = new URL('../../../operator/src/cli/main.ts', import.meta.url).pathname;

describe('devo-collector-operator run', { timeout: 60_000 }, () => {
  let dir: string;
  let h: OperatorHarness;
  let child: ChildProcess;
  let port: number;
  const logs: Record<string, unknown>[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'operator-cli-'));
    h = await OperatorHarness.start();
    const kubeconfig = await h.server.writeKubeconfigFile(dir, NAMESPACE);
    await h.createDefaultSecrets();
    child = spawn(
      process.execPath,
      [
        MAIN,
        'run',
        ...operatorRunFlags(
          kubeconfig,
          '--namespaces',
          NAMESPACE,
          '--leader-elect',
          '--leader-election-namespace',
          NAMESPACE,
        ),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('{')) logs.push(parseLogLine(line)); // fails the test on a repeated key
    });
    const started = await waitFor('the HTTP server log line', () =>
      logs.find((l) => l.msg === 'Started operator HTTP server'),
    );
    port = Number(started.port);
  });

  after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('serves /healthz, /readyz and /metrics on one port, holds the Lease and reconciles', async () => {
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    await waitFor('/readyz 200', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200);
    const lease = await waitFor('the Lease', () =>
      h.server.getObject('coordination.k8s.io/v1', 'Lease', 'devo-collector-operator', NAMESPACE),
    );
    assert.match(String((lease.spec as { holderIdentity: string }).holderIdentity), /_/);

    await h.create(aCollector('cli') as never);
    await h.create(aService('cli-signins', 'cli', 'signIns') as never);
    await h.waitForCondition('cli', 'Ready', 'True');

    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    for (const name of [
      'devo_operator_reconcile_total{result="success"}',
      'devo_operator_reconcile_duration_seconds_bucket',
      'devo_operator_managed_collectors 1',
      'devo_operator_workqueue_depth',
      'process_resident_memory_bytes',
    ])
      assert.ok(metrics.includes(name), `metrics include ${name}`);
  });

  test('SIGTERM stops it with exit code 0 and releases the Lease', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    const lease = h.server.getObject('coordination.k8s.io/v1', 'Lease', 'devo-collector-operator', NAMESPACE);
    assert.equal((lease?.spec as { holderIdentity?: string }).holderIdentity, '');
    assert.ok(logs.some((l) => l.msg === 'Stopped operator'));
  });
});
