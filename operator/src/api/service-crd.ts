// The Service kind: one pulled service (e.g. signIns) of a Collector's source. This schema is the single
// source of crds/services.collectors.devo.com.yaml and of the chart's copy.
import { DEVO_TAG } from '../../../collector-runtime/src/config/schema.ts';
import { RESERVED_SERVICE_SETTINGS } from './config-keys.ts';
import { CONDITION } from './conditions.ts';
import {
  conditionsSchema,
  customResourceDefinition,
  settingsSchema,
  type JsonSchema,
} from './crd-definition.ts';
import { minRequestPeriodSeconds, serviceNames, servicesOf, sourceNames } from './offered-sources.ts';

/** The runtime's start_time_in_utc format (it also checks the time is in the past, which CEL cannot). */
export const UTC_TIME_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z$';

const offered = sourceNames()
  .map((s) => `${s}: ${servicesOf(s).join(', ')}`)
  .join('; ');

const spec: JsonSchema = {
  type: 'object',
  description: "One service of a Collector: what to pull and how often. Its settings use the seeds' meaning.",
  required: ['collectorRef', 'service'],
  properties: {
    collectorRef: {
      type: 'object',
      description: 'The Collector in this namespace that runs this service. Immutable.',
      required: ['name'],
      properties: {
        name: {
          type: 'string',
          minLength: 1,
          maxLength: 63,
          'x-kubernetes-validations': [
            {
              rule: 'self == oldSelf',
              message: 'collectorRef.name is immutable: create a new Service for another Collector',
            },
          ],
        },
      },
    },
    service: {
      type: 'string',
      enum: serviceNames(),
      description: `The seeds' service name. Which ones a Collector accepts depends on its source (${offered}). Kubernetes validates one object at a time, so it cannot check this against the Collector: the operator reports a mismatch as ConfigValid=False on the Collector and this Service.`,
    },
    enabled: {
      type: 'boolean',
      default: true,
      description: 'false keeps the service configured but not pulled.',
    },
    requestPeriodSeconds: {
      type: 'integer',
      minimum: minRequestPeriodSeconds(),
      description:
        "Seconds between pulls (the seeds' request_period_in_seconds); the default depends on the service.",
    },
    startTimeInUtc: {
      type: 'string',
      pattern: UTC_TIME_PATTERN,
      description:
        "Where the first pull starts, a UTC time in the past such as 2024-01-01T00:00:00Z. Changing it resets this service's checkpoint. Not taken by non-time-based services (secure_score_control_profiles).",
    },
    resetPersistenceAuth: {
      type: 'string',
      minLength: 1,
      description:
        "Any value; changing it resets this service's checkpoint (the seeds' reset_persistence_auth).",
    },
    overrideTag: {
      type: 'string',
      maxLength: 1024,
      pattern: DEVO_TAG.source,
      description:
        'Replaces the default Devo tag(s): 2 to 6 dot-separated levels, e.g. my.app.graph.signins.',
    },
    additionalFilter: {
      type: 'string',
      minLength: 1,
      description: "An OData $filter clause added to every query (the seeds' additional_filter).",
    },
    overrideQueryWindowMaxSeconds: {
      type: 'integer',
      minimum: 1,
      description: "Longest time window one query covers (the seeds' override_query_window_max_seconds).",
    },
    settings: settingsSchema(
      "Other service settings in the seeds' snake_case names, e.g. late_arrival_window_in_seconds. Checked by the collector runtime's validator; problems show in the ConfigValid condition.",
      RESERVED_SERVICE_SETTINGS,
      'enabled, requestPeriodSeconds, startTimeInUtc, resetPersistenceAuth, overrideTag, additionalFilter, overrideQueryWindowMaxSeconds',
    ),
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
    conditions: conditionsSchema([CONDITION.configValid, CONDITION.ready, CONDITION.stateReset]),
    lastResetTime: {
      type: 'string',
      format: 'date-time',
      description: "When this service's checkpoint was last reset.",
    },
  },
};

export function serviceCrd() {
  return customResourceDefinition({
    kind: 'Service',
    plural: 'services',
    singular: 'service',
    // `kubectl get services` means the core kind; these and `kubectl get devo` reach this one.
    shortNames: ['dsvc', 'devoservice'],
    description:
      "One pulled service of a Devo Collector (e.g. signIns of microsoft_graph_audit). The operator renders every Service that names a Collector into that Collector's config.yaml.",
    spec,
    status,
    printerColumns: [
      { name: 'Collector', type: 'string', jsonPath: '.spec.collectorRef.name' },
      { name: 'Service', type: 'string', jsonPath: '.spec.service' },
      { name: 'Enabled', type: 'boolean', jsonPath: '.spec.enabled' },
      { name: 'Valid', type: 'string', jsonPath: '.status.conditions[?(@.type=="ConfigValid")].status' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  });
}
