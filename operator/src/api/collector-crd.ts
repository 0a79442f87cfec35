// The Collector kind: one collector runtime pulling one source (a config.yaml input) into Devo. This schema is
// the single source of crds/collectors.collectors.devo.com.yaml and of the chart's copy.
import { MAX_COLLECTOR_NAME } from '../reconcile/child-meta.ts';
import { RESERVED_INPUT_SETTINGS } from './config-keys.ts';
import { CONDITION } from './conditions.ts';
import {
  conditionsSchema,
  customResourceDefinition,
  secretRefSchema,
  settingsSchema,
  type JsonSchema,
} from './crd-definition.ts';
import { servicesOf, sourceNames } from './offered-sources.ts';

/** Quantities such as 1Gi, 500Mi, 10G (resource.Quantity without exponents). */
const QUANTITY = '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$';
/** Collector names become label values and child names (<name>-metrics): DNS-1035 labels, with room. */
const MAX_NAME = MAX_COLLECTOR_NAME;

const resourceList: JsonSchema = {
  type: 'object',
  additionalProperties: {
    // int-or-string alone, without controller-gen's anyOf: the API server cannot build OpenAPI models
    // (kubectl explain) from an anyOf under additionalProperties. The pattern applies to strings only.
    'x-kubernetes-int-or-string': true,
    // controller-gen's pattern for resource.Quantity.
    pattern:
      '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
  },
};

const spec: JsonSchema = {
  type: 'object',
  description: 'What to pull, with which credentials, where to send it, and how to run the collector pod.',
  required: ['source', 'credentialsSecretRef', 'output'],
  properties: {
    source: {
      type: 'string',
      enum: sourceNames(),
      description: `The config.yaml input key. ${sourceNames()
        .map((s) => `${s} offers ${servicesOf(s).join(', ')}`)
        .join('; ')}. Immutable.`,
      'x-kubernetes-validations': [
        {
          rule: 'self == oldSelf',
          message: 'source is immutable: create a new Collector for another source',
        },
      ],
    },
    inputId: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      description:
        "The config.yaml input id: part of every checkpoint key, so changing it starts every service from scratch. Defaults to the Collector's name.",
    },
    enabled: {
      type: 'boolean',
      default: true,
      description: 'false keeps the collector pod but pulls nothing.',
    },
    debug: { type: 'boolean', default: false, description: 'Debug logging in the collector runtime.' },
    environment: {
      type: 'string',
      minLength: 1,
      description: "Added to every event as @devo_environment (config.yaml's environment).",
    },
    requestsPerSecond: {
      type: 'integer',
      minimum: 1,
      description: "Cap on API requests per second for the whole source (config.yaml's requests_per_second).",
    },
    credentialsSecretRef: secretRefSchema(
      "Secret with the source credentials under config.yaml's names (Microsoft Graph: tenant_id, client_id, client_secret). Mounted as files; values never enter the config ConfigMap.",
    ),
    settings: settingsSchema(
      "Other input settings in config.yaml's snake_case names, e.g. override_top_level_domain: us (GCC High). Checked by the collector runtime's validator; problems show in the ConfigValid condition.",
      RESERVED_INPUT_SETTINGS,
      'inputId, enabled, environment, requestsPerSecond, credentialsSecretRef and Service resources',
    ),
    output: {
      type: 'object',
      description: 'The Devo relay or cloud endpoint and the X.509 client certificate for it.',
      required: ['address', 'certificateSecretRef'],
      properties: {
        address: {
          type: 'string',
          minLength: 1,
          pattern: '^[^\\s:/]+$',
          description: 'Host name without scheme or port, e.g. collector-us.devo.io.',
        },
        port: { type: 'integer', minimum: 1, maximum: 65535, default: 443 },
        certificateSecretRef: secretRefSchema(
          'Secret with the Devo client certificate: a kubernetes.io/tls Secret (tls.crt, tls.key, and the Devo chain in ca.crt) or one with keys chain.crt, cert.crt and key.key. Rotating it restarts the collector.',
        ),
        verifyHostname: {
          type: 'boolean',
          default: true,
          description: 'Check the Devo server name against its certificate.',
        },
      },
    },
    persistence: {
      type: 'object',
      description:
        "Where checkpoints live: a ConfigMap the operator creates (one key per service; up to 1 MiB in all) or a ReadWriteOnce PersistentVolumeClaim. Unset: the source's default, a PersistentVolumeClaim for office365 (its dedup filters outgrow a ConfigMap) and a ConfigMap for the others; the operator records the choice in status.persistence and keeps it.",
      required: ['type'],
      properties: {
        type: {
          type: 'string',
          enum: ['ConfigMap', 'PersistentVolumeClaim'],
          description: 'Immutable once set: checkpoints are not moved between backends.',
          'x-kubernetes-validations': [
            {
              rule: 'self == oldSelf',
              message:
                'persistence.type is immutable: create a new Collector (with the same inputId to keep the id)',
            },
          ],
        },
        size: { type: 'string', pattern: QUANTITY, description: 'PersistentVolumeClaim size; default 1Gi.' },
        storageClassName: {
          type: 'string',
          minLength: 1,
          description: 'PersistentVolumeClaim storage class.',
        },
      },
      'x-kubernetes-validations': [
        {
          rule: "self.type == 'PersistentVolumeClaim' || (!has(self.size) && !has(self.storageClassName))",
          message: 'size and storageClassName apply only to persistence.type PersistentVolumeClaim',
        },
      ],
    },
    image: {
      type: 'string',
      minLength: 1,
      description: "The collector runtime image; defaults to the operator's setting.",
    },
    imagePullPolicy: { type: 'string', enum: ['Always', 'IfNotPresent', 'Never'] },
    imagePullSecrets: {
      type: 'array',
      'x-kubernetes-list-type': 'atomic',
      items: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } },
    },
    resources: {
      type: 'object',
      description: 'Container resources (requests, limits) of the collector pod.',
      properties: { limits: resourceList, requests: resourceList },
    },
    nodeSelector: { type: 'object', additionalProperties: { type: 'string' } },
    tolerations: {
      type: 'array',
      'x-kubernetes-list-type': 'atomic',
      items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
    affinity: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    priorityClassName: { type: 'string', minLength: 1 },
  },
};

const status: JsonSchema = {
  type: 'object',
  description: 'Written by the operator.',
  properties: {
    observedGeneration: {
      type: 'integer',
      format: 'int64',
      description: 'The spec generation last acted on.',
    },
    conditions: conditionsSchema(Object.values(CONDITION)),
    services: { type: 'integer', description: 'Service resources that name this Collector.' },
    readyServices: { type: 'integer', description: 'Of those, the ones rendered into the running config.' },
    lastPullTime: {
      type: 'string',
      format: 'date-time',
      description: 'The last successful pull of any service.',
    },
    configHash: { type: 'string', description: 'The config hash of the pod template last applied.' },
    resets: {
      type: 'object',
      description: 'Per Service, the reset fingerprint last acted on, so each reset happens once.',
      additionalProperties: { type: 'string' },
    },
    persistence: {
      type: 'object',
      description:
        'The state store chosen on the first reconcile (spec.persistence or the source default) and kept from then on: a spec.persistence naming another is refused.',
      properties: { type: { type: 'string', enum: ['ConfigMap', 'PersistentVolumeClaim'] } },
    },
  },
};

export function collectorCrd() {
  return customResourceDefinition({
    kind: 'Collector',
    plural: 'collectors',
    singular: 'collector',
    shortNames: ['dcol', 'devocollector'],
    description:
      'A Devo pull collector: the operator runs it as a single-replica Deployment of the collector runtime with a rendered config.yaml, the Devo certificate and credentials Secrets mounted, and a state store. Services (kind Service in this group) name it in spec.collectorRef.',
    spec,
    status,
    printerColumns: [
      { name: 'Source', type: 'string', jsonPath: '.spec.source' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Services', type: 'integer', jsonPath: '.status.services' },
      { name: 'Last Pull', type: 'date', jsonPath: '.status.lastPullTime' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
    rootValidations: [
      {
        rule: `self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && self.metadata.name.size() <= ${MAX_NAME}`,
        message: `the Collector name must be a DNS label of at most ${MAX_NAME} characters starting with a letter (it names a Service, <name>-metrics)`,
      },
    ],
  });
}
