// Builds a CustomResourceDefinition object from a kind's schema: one served and stored version,
// no conversion webhook, the status subresource, category `devo` (so `kubectl get devo` lists every kind).
import { GROUP, VERSION } from './types.ts';

/** An OpenAPI v3 schema node as a CRD holds it (structural: every node has a type or an x-kubernetes escape). */
export type JsonSchema = { [keyword: string]: unknown };

export const CATEGORY = 'devo';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface KindDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  description: string;
  spec: JsonSchema;
  status: JsonSchema;
  printerColumns: PrinterColumn[];
  /** CEL rules on the whole object (they may read metadata.name). */
  rootValidations?: JsonSchema[];
}

export function customResourceDefinition(def: KindDefinition) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${def.plural}.${GROUP}`,
      labels: {
        'app.kubernetes.io/name': 'devo-collector-operator',
        'app.kubernetes.io/part-of': 'devo-collector',
      },
    },
    spec: {
      group: GROUP,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: def.shortNames,
        categories: [CATEGORY],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: def.printerColumns,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: def.description,
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string', description: 'The API version: collectors.devo.com/v1alpha1.' },
                kind: { type: 'string', description: `The kind: ${def.kind}.` },
                metadata: { type: 'object' },
                spec: def.spec,
                status: def.status,
              },
              ...(def.rootValidations ? { 'x-kubernetes-validations': def.rootValidations } : {}),
            },
          },
        },
      ],
      conversion: { strategy: 'None' },
    },
  };
}

export type CustomResourceDefinition = ReturnType<typeof customResourceDefinition>;

/** metav1.Condition, listed as a map keyed by type so server-side apply merges entries. */
export function conditionsSchema(types: readonly string[]): JsonSchema {
  return {
    type: 'array',
    description: `Current state, one entry per condition type (${types.join(', ')}).`,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['type'],
    maxItems: 16,
    items: {
      type: 'object',
      required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'],
      properties: {
        type: { type: 'string', maxLength: 316, description: 'The condition type.' },
        status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
        reason: { type: 'string', maxLength: 1024, description: 'A CamelCase word programs can branch on.' },
        message: { type: 'string', maxLength: 32768, description: 'What happened and what to do about it.' },
        lastTransitionTime: {
          type: 'string',
          format: 'date-time',
          description: 'When the status last changed.',
        },
        observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
      },
    },
  };
}

/** `name` of a Secret in the resource's namespace. */
export function secretRefSchema(description: string): JsonSchema {
  return {
    type: 'object',
    description,
    required: ['name'],
    properties: { name: { type: 'string', minLength: 1, maxLength: 253, description: 'The Secret name.' } },
  };
}

/**
 * Free-form settings in config.yaml's snake_case names. A map (not preserve-unknown-fields) so CEL can see
 * its keys; `reserved` keys belong to the resource's own fields.
 */
export function settingsSchema(
  description: string,
  reserved: readonly string[],
  ownFields: string,
): JsonSchema {
  return {
    type: 'object',
    description,
    maxProperties: 64,
    additionalProperties: { 'x-kubernetes-preserve-unknown-fields': true },
    'x-kubernetes-validations': [
      {
        rule: `![${reserved.map((k) => `'${k}'`).join(', ')}].exists(k, k in self)`,
        message: `settings must not set ${reserved.join(', ')}: use ${ownFields}`,
      },
    ],
  };
}
