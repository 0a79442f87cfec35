// State resets: a changed startTimeInUtc / resetPersistenceAuth wipes that service's checkpoint exactly
// once, before the new config starts, for ConfigMap and PVC persistence, across operator restarts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { JsonObject } from '../../support/kube-api-server/json-value.ts';
import { aCollector, aService, NAMESPACE, OperatorHarness, waitFor } from './operator-harness.ts';

const CONFIG_HASH = 'collectors.devo.com/config-hash';

function templateHash(deployment: JsonObject): string {
  const spec = deployment.spec as { template: { metadata: { annotations: Record<string, string> } } };
  return spec.template.metadata.annotations[CONFIG_HASH]!;
}

function stateEvents(h: OperatorHarness, collector: string, reason: string): JsonObject[] {
  return h.events(reason).filter((e) => (e.involvedObject as { name: string }).name === collector);
}

describe('state reset with ConfigMap persistence', () => {
  let h: OperatorHarness;
  /** Per pod start: the template hash it ran and whether its state key was there at that moment. */
  const starts: { hash: string; keyPresent: boolean }[] = [];
  const KEY = 'microsoft_graph_audit.cmr.signIns';
  const OTHER = 'microsoft_graph_audit.cmr.directory_audits';

  before(async () => {
    h = await OperatorHarness.start({
      workloads: {
        onPodStart: (deployment) => {
          const state = h.get('v1', 'ConfigMap', 'cmr-state');
          const data = (state?.data ?? {}) as Record<string, string>;
          starts.push({ hash: templateHash(deployment), keyPresent: KEY in data });
        },
      },
    });
    await h.createDefaultSecrets();
    await h.startController();
  });
  after(async () => h.close());

  async function writeState(data: Record<string, string>): Promise<void> {
    // What the runtime's ConfigMap store does: read, change data, replace with the resourceVersion.
    const current = await h.core.readNamespacedConfigMap({ name: 'cmr-state', namespace: NAMESPACE });
    await h.core.replaceNamespacedConfigMap({
      name: 'cmr-state',
      namespace: NAMESPACE,
      body: { ...current, data: { ...current.data, ...data } },
    });
  }

  test('the first sight of a Service records its fingerprint without a reset', async () => {
    await h.create(aCollector('cmr') as never);
    await h.create(
      aService('cmr-signins', 'cmr', 'signIns', { startTimeInUtc: '2025-01-01T00:00:00Z' }) as never,
    );
    await h.create(aService('cmr-directory', 'cmr', 'directory_audits') as never);
    await h.waitForCondition('cmr', 'Ready', 'True');
    const status = h.collector('cmr')!.status!;
    assert.deepEqual(Object.keys(status.resets ?? {}).sort(), ['cmr-directory', 'cmr-signins']);
    assert.equal(h.condition('cmr', 'StateReset')?.reason, 'NoReset');
    await writeState({ [KEY]: '{"cursor":"old"}', [OTHER]: '{"cursor":"keep"}' });
  });

  test('a changed startTimeInUtc removes that key before the new config starts, and records it', async () => {
    const recorded = h.collector('cmr')!.status!.resets!['cmr-signins'];
    await h.patchSpec('Service', 'cmr-signins', { startTimeInUtc: '2024-06-01T00:00:00Z' });
    await h.waitForCondition('cmr', 'StateReset', 'True');
    await h.waitForCondition('cmr', 'Ready', 'True');

    const data = h.get('v1', 'ConfigMap', 'cmr-state')!.data as Record<string, string>;
    assert.equal(data[KEY], undefined, 'the changed service lost its checkpoint');
    assert.equal(data[OTHER], '{"cursor":"keep"}', 'other services keep theirs');
    const status = h.collector('cmr')!.status!;
    assert.notEqual(status.resets!['cmr-signins'], recorded);
    assert.doesNotMatch(status.resets!['cmr-signins']!, /\//, 'the reset is finished, not in progress');
    assert.equal(stateEvents(h, 'cmr', 'StateReset').length, 1);
    assert.equal(stateEvents(h, 'cmr', 'StateResetStarted').length, 1);
    await waitFor('Service lastResetTime', () => h.service('cmr-signins')?.status?.lastResetTime);

    const newHash = templateHash(h.get('apps/v1', 'Deployment', 'cmr')!);
    const newPods = starts.filter((s) => s.hash === newHash);
    assert.ok(newPods.length > 0);
    assert.ok(
      newPods.every((s) => !s.keyPresent),
      'pods with the new config never saw the old checkpoint',
    );
  });

  test('the reset happens exactly once: later reconciles and an operator restart leave new state alone', async () => {
    await writeState({ [KEY]: '{"cursor":"new"}' });
    await h.patchSpec('Service', 'cmr-directory', { requestPeriodSeconds: 600 });
    await waitFor('the config change applied', () => {
      const c = h.collector('cmr');
      return (
        c?.status?.observedGeneration === c?.metadata.generation &&
        h.service('cmr-directory')?.status?.observedGeneration === 2
      );
    });
    await h.stopController();
    await h.startController();
    h.controller!.resync();
    await h.waitForCondition('cmr', 'Ready', 'True');
    await new Promise((r) => setTimeout(r, 300));
    const data = h.get('v1', 'ConfigMap', 'cmr-state')!.data as Record<string, string>;
    assert.equal(data[KEY], '{"cursor":"new"}');
    assert.equal(stateEvents(h, 'cmr', 'StateReset').length, 1);
  });

  test('a changed resetPersistenceAuth resets again, once', async () => {
    await h.patchSpec('Service', 'cmr-signins', { resetPersistenceAuth: 'rotate-1' });
    await waitFor('a second StateReset Event', () => stateEvents(h, 'cmr', 'StateReset').length === 2);
    await h.waitForCondition('cmr', 'Ready', 'True');
    const data = h.get('v1', 'ConfigMap', 'cmr-state')!.data as Record<string, string>;
    assert.equal(data[KEY], undefined);
    assert.equal(data[OTHER], '{"cursor":"keep"}');
  });
});

describe('state reset with PVC persistence', () => {
  let h: OperatorHarness;
  const jobRuns: { name: string; command: string[]; podsWhileRunning: number }[] = [];
  let gate: Promise<void> = Promise.resolve();
  let openGate: () => void = () => undefined;
  let jobStarted: () => void = () => undefined;

  before(async () => {
    h = await OperatorHarness.start({
      workloads: {
        onJob: async (job) => {
          const spec = job.spec as { template: { spec: { containers: { command: string[] }[] } } };
          jobRuns.push({
            name: String((job.metadata as { name: string }).name),
            command: spec.template.spec.containers[0]!.command,
            podsWhileRunning: h.server.runningPods('pvr', NAMESPACE),
          });
          jobStarted();
          await gate;
          return 0;
        },
      },
    });
    await h.createDefaultSecrets();
    await h.startController();
    await h.create(aCollector('pvr', { persistence: 'PersistentVolumeClaim' }) as never);
    await h.create(
      aService('pvr-signins', 'pvr', 'signIns', { startTimeInUtc: '2025-01-01T00:00:00Z' }) as never,
    );
    await h.waitForCondition('pvr', 'Ready', 'True');
  });
  after(async () => h.close());

  test('a reset scales the Deployment to zero, runs one Job on the volume, deletes it and scales back', async () => {
    await h.patchSpec('Service', 'pvr-signins', { resetPersistenceAuth: 'first' });
    await h.waitForCondition('pvr', 'StateReset', 'True');
    await h.waitForCondition('pvr', 'Ready', 'True');

    assert.equal(jobRuns.length, 1);
    assert.deepEqual(jobRuns[0]!.command, [
      'node',
      '-e',
      'require("node:fs").rmSync(process.argv[1], { force: true })',
      '/devo-collector/state/microsoft_graph_audit.pvr.signIns.json',
    ]);
    assert.equal(jobRuns[0]!.podsWhileRunning, 0, 'no collector pod runs while the Job touches the volume');
    await waitFor('the Job deleted', () => h.server.listObjects('batch/v1', 'Job', NAMESPACE).length === 0);
    const deployment = h.get('apps/v1', 'Deployment', 'pvr')!;
    assert.equal((deployment.spec as { replicas: number }).replicas, 1);
    await waitFor('a collector pod again', () => h.server.runningPods('pvr', NAMESPACE) === 1);
    assert.equal(stateEvents(h, 'pvr', 'StateReset').length, 1);
  });

  test('an operator restart while the Job runs resumes the same reset: one Job run, no duplicate Job', async () => {
    gate = new Promise<void>((resolve) => (openGate = resolve));
    const started = new Promise<void>((resolve) => (jobStarted = resolve));
    await h.patchSpec('Service', 'pvr-signins', { resetPersistenceAuth: 'second' });
    await started;
    const inProgress = h.collector('pvr')!.status!;
    assert.match(inProgress.resets!['pvr-signins']!, /\/wiping$/);
    assert.equal(h.condition('pvr', 'Progressing')?.reason, 'ResetInProgress');

    await h.stopController();
    await h.startController();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(
      h.server.listObjects('batch/v1', 'Job', NAMESPACE).length,
      1,
      'the new operator found the running Job',
    );
    openGate();

    await waitFor('the reset to finish', () => stateEvents(h, 'pvr', 'StateReset').length === 2);
    await h.waitForCondition('pvr', 'Ready', 'True');
    assert.equal(jobRuns.length, 2, 'one Job run per reset');
    await waitFor('the Job deleted', () => h.server.listObjects('batch/v1', 'Job', NAMESPACE).length === 0);
    assert.doesNotMatch(h.collector('pvr')!.status!.resets!['pvr-signins']!, /\//);
  });
});
