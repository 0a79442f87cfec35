// A Collector or Service deleted while its reconcile runs (say, a clean-up deleting both together): the
// status write meets a 404, and that ends the story quietly. Counting it as a failed reconcile would fire
// the reconcile-error alert on every routine clean-up.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { aCollector, aService, NAMESPACE, OperatorHarness, waitFor } from './operator-harness.ts';
import { createOperatorMetrics, type OperatorMetrics } from '../../../operator/src/metrics.ts';

let h: OperatorHarness;
let metrics: OperatorMetrics;
const reconciles = async (result: string) =>
  (await metrics.reconcileTotal.get()).values.find((v) => v.labels.result === result)?.value ?? 0;

/**
 * Waits for the faulted status write to happen, then for one more reconcile of the Collector to succeed:
 * every reconcile of it meets the 404, so a success means the 404 did not fail it.
 */
async function reconcileMeets404(statusPath: string): Promise<void> {
  await waitFor(`a 404 on ${statusPath}`, () =>
    h.server.requests().some((r) => r.method === 'PATCH' && r.path.endsWith(statusPath) && r.status === 404),
  );
  const successes = await reconciles('success');
  h.controller!.enqueue(`${NAMESPACE}/quiet`);
  await waitFor('a successful reconcile after the 404', async () =>
    (await reconciles('success')) > successes ? true : undefined,
  );
}

before(async () => {
  h = await OperatorHarness.start();
  await h.createDefaultSecrets();
  metrics = createOperatorMetrics();
  await h.startController({ metrics });
});
after(async () => h.close());

test('a 404 on a Service status write (the Service is gone) is not a failed reconcile', async () => {
  await h.create(aCollector('quiet') as never);
  await h.create(aService('quiet-signins', 'quiet', 'signIns') as never);
  await h.waitForCondition('quiet', 'Ready', 'True');
  const errors = await reconciles('error');

  h.server.injectFault({ method: 'PATCH', path: '/services/quiet-signins/status', status: 404, times: 1000 });
  await h.patchSpec('Service', 'quiet-signins', { requestPeriodSeconds: 600 });
  await reconcileMeets404('/services/quiet-signins/status');
  assert.equal(await reconciles('error'), errors);
});

test('a 404 on the Collector status write (the Collector is gone) ends the reconcile quietly', async () => {
  const errors = await reconciles('error');
  h.server.injectFault({ method: 'PATCH', path: '/collectors/quiet/status', status: 404, times: 1000 });
  await h.patchSpec('Collector', 'quiet', { debug: true });
  await reconcileMeets404('/collectors/quiet/status');
  assert.equal(await reconciles('error'), errors);
  const collector = h.collector('quiet')!;
  assert.ok(collector.status!.observedGeneration! < collector.metadata.generation!, 'no status was written');
});
