// What the API server does to a Collector or Service on create/update, using the test API server's
// structural-schema code (test/support/kube-api-server): prune unknown fields (reported, as with
// fieldValidation=Strict), apply defaults, validate OpenAPI keywords and the CEL rules.
import { collectorCrd } from '../../../operator/src/api/collector-crd.ts';
import { serviceCrd } from '../../../operator/src/api/service-crd.ts';
import type { JsonObject } from '../../support/kube-api-server/json-value.ts';
import {
  applyDefaults,
  pruneUnknownFields,
  validateAgainstSchema,
} from '../../support/kube-api-server/schema-validation.ts';

export function schemaOf(kind: string): JsonObject {
  const crd = kind === 'Collector' ? collectorCrd() : kind === 'Service' ? serviceCrd() : undefined;
  if (!crd) throw new Error(`no CRD for kind ${kind}`);
  return crd.spec.versions[0]!.schema.openAPIV3Schema as unknown as JsonObject;
}

export interface Admission {
  object: JsonObject;
  /** "field: message" for every unknown field and every failed rule. */
  problems: string[];
}

export function admit(input: unknown, old?: unknown): Admission {
  const object = structuredClone(input) as JsonObject;
  const schema = schemaOf(String(object.kind));
  const problems = pruneUnknownFields(object, schema).map((path) => `${path}: unknown field`);
  applyDefaults(object, schema);
  let before: JsonObject | undefined;
  if (old !== undefined) {
    before = structuredClone(old) as JsonObject;
    pruneUnknownFields(before, schema);
    applyDefaults(before, schema);
  }
  for (const cause of validateAgainstSchema(object, schema, before))
    problems.push(`${cause.field ?? ''}: ${cause.message}`);
  return { object, problems };
}
