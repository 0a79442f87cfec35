// Shared fixtures for the KubeApiTestServer tests: CRDs shaped like the operator's (in wire format),
// helpers to install them through the real client and to read Status bodies out of ApiException.

export { waitFor } from '../wait.ts';
import {
  ApiException,
  ApiextensionsV1Api,
  loadYaml,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';

export const GROUP = 'collectors.devo.com';
export const VERSION = 'v1alpha1';

/** Collector CRD in wire format (as it would sit in crds/*.yaml). */
export function collectorCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `collectors.${GROUP}` },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { plural: 'collectors', singular: 'collector', kind: 'Collector', shortNames: ['dcol'] },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['image', 'tenant'],
                  'x-kubernetes-validations': [
                    {
                      rule: "self.replicas <= 1 || self.stateStore.type != 'pvc'",
                      message: 'a PVC state store needs replicas <= 1',
                    },
                    {
                      rule: 'self.tenant == oldSelf.tenant',
                      message: 'tenant is immutable',
                      fieldPath: '.tenant',
                    },
                  ],
                  properties: {
                    image: { type: 'string', minLength: 1 },
                    tenant: { type: 'string', pattern: '^[a-z0-9-]+$', maxLength: 40 },
                    replicas: { type: 'integer', minimum: 0, maximum: 3, default: 1 },
                    mode: { type: 'string', enum: ['pull', 'push'], default: 'pull' },
                    stateStore: {
                      type: 'object',
                      default: {},
                      properties: {
                        type: { type: 'string', enum: ['pvc', 'configmap', 'none'], default: 'none' },
                        size: { type: 'string' },
                      },
                    },
                    config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                    serviceRefs: {
                      type: 'array',
                      'x-kubernetes-list-type': 'set',
                      items: { type: 'string' },
                    },
                  },
                },
                status: {
                  type: 'object',
                  properties: {
                    observedGeneration: { type: 'integer' },
                    phase: { type: 'string' },
                    conditions: {
                      type: 'array',
                      'x-kubernetes-list-type': 'map',
                      'x-kubernetes-list-map-keys': ['type'],
                      items: {
                        type: 'object',
                        required: ['type', 'status'],
                        properties: {
                          type: { type: 'string' },
                          status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
                          reason: { type: 'string' },
                          message: { type: 'string' },
                          lastTransitionTime: { type: 'string' },
                          observedGeneration: { type: 'integer' },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

/** The `Service` kind of the same group (no status subresource, unknown fields preserved under spec). */
export function serviceCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `services.${GROUP}` },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { plural: 'services', singular: 'service', kind: 'Service' },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['collectorRef'],
                  properties: {
                    collectorRef: { type: 'string' },
                    settings: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

/**
 * Installs a wire-format CRD through the typed client. client-node's typed serializer only knows its own
 * property names (`_default`, `_enum`, `x_kubernetes_validations`, ...), so a wire-format object must be
 * converted with loadYaml() first or those keywords are silently dropped.
 */
export async function installCrd(
  kc: KubeConfig,
  crd: Record<string, unknown>,
): Promise<V1CustomResourceDefinition> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  return api.createCustomResourceDefinition({
    body: loadYaml<V1CustomResourceDefinition>(JSON.stringify(crd)),
  });
}

export interface StatusBody {
  kind: string;
  code: number;
  reason: string;
  message: string;
  details?: {
    name?: string;
    kind?: string;
    group?: string;
    causes?: { reason: string; message: string; field?: string }[];
  };
}

/** Awaits a rejected client-node call and returns the parsed Status body. */
export async function expectStatus(promise: Promise<unknown>): Promise<StatusBody> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApiException) {
      return JSON.parse(String(err.body)) as StatusBody;
    }
    throw err;
  }
  throw new Error('expected the call to fail with a Status');
}
