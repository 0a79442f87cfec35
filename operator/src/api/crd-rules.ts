// The CEL rules of the generated CRDs, checked by the operator itself before it creates anything: API
// servers before 1.25 (and any without CRD validation rules) drop them silently, so a 60-character
// Collector name would otherwise get as far as its metrics Service. The rules are read from the very CRD
// objects `npm run generate` writes, so each rule has one definition. Transition rules (oldSelf) need the
// previous object, which only the API server has; they are left to it.
import { ruleViolations, type SchemaNode } from '../k8s/validation-rules.ts';
import type { FieldProblem } from '../reconcile/field-problem.ts';
import { collectorCrd } from './collector-crd.ts';
import { serviceCrd } from './service-crd.ts';
import type { CollectorResource, ServiceResource } from './types.ts';

let schemas: Record<'Collector' | 'Service', SchemaNode> | undefined;

function schemaOf(kind: 'Collector' | 'Service'): SchemaNode {
  schemas ??= {
    Collector: collectorCrd().spec.versions[0]!.schema.openAPIV3Schema,
    Service: serviceCrd().spec.versions[0]!.schema.openAPIV3Schema,
  };
  return schemas[kind];
}

/** Every CEL rule of the resource's CRD that it breaks, pinned on the field the rule sits on. */
export function crdRuleProblems(resource: CollectorResource | ServiceResource): FieldProblem[] {
  return ruleViolations(resource, schemaOf(resource.kind)).map((v) => ({
    kind: resource.kind,
    name: resource.metadata.name,
    field: v.path,
    message: v.message,
  }));
}
