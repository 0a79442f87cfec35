import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredState } from '../../../operator/src/reconcile/desired-state.ts';
import { condition, configOf } from './desired-state-queries.ts';
import { aCollector, anInput, NAMESPACE, SENTINEL } from './reconcile-fixture.ts';

test("config.yaml has the collectors' layout, with secrets as file paths only", () => {
  const d = desiredState(anInput());
  assert.deepEqual(configOf(d), {
    globals: {
      debug: false,
      id: 'graph-audit',
      name: 'graph-audit',
      persistence: { type: 'configmap', config: { name: 'graph-audit-state', namespace: NAMESPACE } },
      metrics: { port: 9464 },
      kubernetes_status: { collector: 'graph-audit', namespace: NAMESPACE },
    },
    outputs: {
      devo_1: {
        type: 'devo_platform',
        config: {
          address: 'collector-eu.devo.io',
          port: 443,
          type: 'SSL',
          chain: 'chain.crt',
          cert: 'cert.crt',
          key: 'key.key',
          verify_hostname: true,
        },
      },
    },
    inputs: {
      microsoft_graph_audit: {
        id: 'graph-audit',
        credentials: {
          tenant_id_file: '/devo-collector/credentials/tenant_id',
          client_id_file: '/devo-collector/credentials/client_id',
          client_secret_file: '/devo-collector/credentials/client_secret',
        },
        // The source's order (directory_audits before signIns), whatever the CR names.
        services: {
          directory_audits: { request_period_in_seconds: 600 },
          signIns: { start_time_in_utc: '2025-01-01T00:00:00Z' },
        },
      },
    },
  });
});

test('Collector settings: input settings pass through, credentials and own fields are refused', () => {
  const ok = desiredState(
    anInput({ collector: aCollector({ settings: { override_top_level_domain: 'us' } }) }),
  );
  assert.equal(configOf(ok).inputs.microsoft_graph_audit.override_top_level_domain, 'us');

  const bad = desiredState(
    anInput({
      collector: aCollector({
        settings: { override_top_level_domain: 'eu', id: 'x', client_secret: SENTINEL },
      }),
    }),
  );
  const message = condition(bad, 'ConfigValid').message;
  assert.match(
    message,
    /Collector graph-audit spec\.settings\.id: is set by the resource's own fields; set spec\.inputId instead/,
  );
  assert.match(
    message,
    /Collector graph-audit spec\.settings\.client_secret: is a secret: put it under key client_secret of the credentials Secret/,
  );
  assert.match(
    message,
    /Collector graph-audit spec\.settings\.override_top_level_domain: got "eu", expected one of "com", "us"/,
  );
});
