// The state store of a Collector that does not name one, against the in-process API server: office365
// gets a PersistentVolumeClaim (its dedup filters outgrow a ConfigMap), the choice is recorded in status
// and survives a later spec.persistence that names the other store (refused, nothing pruned).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import {
  aCollector,
  aService,
  certificateSecret,
  credentialsSecret,
  OperatorHarness,
  waitFor,
} from './operator-harness.ts';

let h: OperatorHarness;
before(async () => {
  h = await OperatorHarness.start();
  await h.create(credentialsSecret());
  await h.create(certificateSecret());
  await h.startController();
});
after(async () => h.close());

function withoutPersistence(name: string, source: string): Record<string, unknown> {
  const collector = aCollector(name);
  delete collector.spec.persistence;
  collector.spec.source = source;
  return collector as unknown as Record<string, unknown>;
}

const persistenceIn = (name: string) =>
  (
    parse(
      String((h.get('v1', 'ConfigMap', `${name}-config`)?.data as Record<string, string>)['config.yaml']),
    ) as {
      globals: { persistence: { type: string } };
    }
  ).globals.persistence.type;

test('office365 without spec.persistence: a PVC, recorded in status and kept when the spec later says ConfigMap', async () => {
  await h.create(withoutPersistence('o365', 'office365'));
  await h.create(aService('o365-sharepoint', 'o365', 'sharepoint') as never);
  await h.waitForCondition('o365', 'ConfigValid', 'True');
  assert.equal(h.collector('o365')!.spec.persistence, undefined, 'the spec is left as written');
  await waitFor('status.persistence', () => h.collector('o365')?.status?.persistence?.type);
  assert.deepEqual(h.collector('o365')!.status!.persistence, { type: 'PersistentVolumeClaim' });
  assert.ok(h.get('v1', 'PersistentVolumeClaim', 'o365-state'));
  assert.equal(h.get('v1', 'ConfigMap', 'o365-state'), undefined);
  assert.equal(persistenceIn('o365'), 'filesystem');

  // Adding spec.persistence is not a transition the CRD's immutability rule sees (there was no old
  // value); the operator refuses it and keeps the recorded store and its checkpoints.
  await h.patchSpec('Collector', 'o365', { persistence: { type: 'ConfigMap' } });
  const refused = await h.waitForCondition('o365', 'ConfigValid', 'False');
  assert.match(
    refused.message,
    /spec\.persistence\.type: is ConfigMap, but this Collector keeps its checkpoints in a PersistentVolumeClaim/,
  );
  assert.ok(h.get('v1', 'PersistentVolumeClaim', 'o365-state'), 'the PVC stays');
  assert.equal(h.get('v1', 'ConfigMap', 'o365-state'), undefined);
  assert.equal(persistenceIn('o365'), 'filesystem');
  assert.deepEqual(h.collector('o365')!.status!.persistence, { type: 'PersistentVolumeClaim' });

  // The way back the message names: remove spec.persistence (changing a set type is the CRD's to refuse).
  await h.patchSpec('Collector', 'o365', { persistence: null });
  await h.waitForCondition('o365', 'ConfigValid', 'True');
  assert.ok(h.get('v1', 'PersistentVolumeClaim', 'o365-state'));
  assert.equal(persistenceIn('o365'), 'filesystem');
});

test('another source without spec.persistence: a ConfigMap, recorded in status', async () => {
  await h.create(withoutPersistence('graph', 'microsoft_graph_audit'));
  await h.create(aService('graph-signins', 'graph', 'signIns') as never);
  await h.waitForCondition('graph', 'ConfigValid', 'True');
  await waitFor('status.persistence', () => h.collector('graph')?.status?.persistence?.type);
  assert.deepEqual(h.collector('graph')!.status!.persistence, { type: 'ConfigMap' });
  assert.ok(h.get('v1', 'ConfigMap', 'graph-state'));
  assert.equal(h.get('v1', 'PersistentVolumeClaim', 'graph-state'), undefined);
  assert.equal(persistenceIn('graph'), 'configmap');
});
