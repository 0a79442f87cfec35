// desiredState(): the whole reconcile as a pure function. Collector + its Services + what the referenced
// Secrets look like → every child object (typed with client-node's Kubernetes models, so a wrong field is a
// compile error), the render conditions and the config hash. No I/O, no clock (input.now), no randomness.
import type { KubernetesObject } from '@kubernetes/client-node';
import { crdRuleProblems } from '../api/crd-rules.ts';
import type { CollectorResource, ServiceResource } from '../api/types.ts';
import { childNames } from './child-meta.ts';
import { configHash } from './config-hash.ts';
import { configMap } from './config-map.ts';
import { renderConfig } from './config-render.ts';
import { validateRendered } from './config-validation.ts';
import type { DesiredState, ReconcileInput, SecretView } from './contract.ts';
import { deployment } from './deployment.ts';
import { metricsService } from './metrics-service.ts';
import { collectorRole } from './role.ts';
import { secretProblems } from './secret-layout.ts';
import { serviceAccount } from './service-account.ts';
import type { FieldProblem } from './field-problem.ts';
import { configValidCondition, problemsByService, secretsFoundCondition } from './status.ts';
import { stateLocation, stateStore, usesVolume } from './state-store.ts';
import { persistenceProblem } from './persistence.ts';

export function desiredState(input: ReconcileInput): DesiredState {
  const { collector, settings } = input;
  const { spec, metadata } = collector;
  const services = servicesOf(collector, input.services);
  const credentials = secretView(input.secrets, spec.credentialsSecretRef.name);
  const certificate = secretView(input.secrets, spec.output.certificateSecretRef.name);

  const rendered = renderConfig(collector, services, credentials);
  const verdict = validateRendered(collector, rendered, input.now);
  // The CRDs' own rules, which an API server without CEL validation lets through: nothing is created for
  // a resource that breaks one (a too-long name would fail halfway through the children). Where the
  // render already pinned the same mistake on an exact key (reserved settings), that says more.
  const ruleErrors = [collector, ...services]
    .flatMap(crdRuleProblems)
    .filter((rule) => !verdict.errors.some((p) => covers(rule, p)));
  const switched = persistenceProblem(collector);
  if (switched) ruleErrors.push(switched);
  const errors = [...ruleErrors, ...verdict.errors];
  const missing = secretProblems(collector, input.secrets);
  const hash = configHash(rendered.text, [credentials, certificate]);
  const conditions = [
    configValidCondition({ ruleErrors, errors, warnings: verdict.warnings }, services.length),
    secretsFoundCondition(missing, metadata.namespace),
  ];
  const result = {
    conditions,
    serviceProblems: problemsByService(errors),
    configHash: hash,
    state: { location: stateLocation(collector), inputId: rendered.inputId },
  };
  const names = childNames(metadata.name);
  if (errors.length > 0) return { ...result, objects: [], withheld: everyChild(collector) };

  // Without its Secrets the pod could only crash-loop; keep whatever runs now and say what is missing.
  const children: KubernetesObject[] = [
    serviceAccount(collector),
    ...collectorRole(collector, !usesVolume(collector)),
    configMap(collector, rendered.text),
    stateStore(collector),
    metricsService(collector),
    ...(missing.length === 0 ? [deployment({ collector, settings, certificate, configHash: hash })] : []),
  ];
  const objects = children.map(withoutEmptyFields);
  return { ...result, objects, withheld: missing.length === 0 ? [] : [`Deployment/${names.deployment}`] };
}

/** The object as the API server would echo it: unset (undefined or null) fields left out. */
function withoutEmptyFields<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutEmptyFields) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    if (v !== undefined && v !== null) out[k] = withoutEmptyFields(v);
  return out as T;
}

/** `problem` is about the field of a (non-root) rule, or below it, on the same resource. */
function covers(rule: FieldProblem, problem: FieldProblem): boolean {
  return (
    rule.field !== '' &&
    rule.kind === problem.kind &&
    rule.name === problem.name &&
    (problem.field === rule.field || problem.field.startsWith(`${rule.field}.`))
  );
}

/** The Services that belong to this Collector and are not being deleted, whatever the caller passed. */
function servicesOf(collector: CollectorResource, all: readonly ServiceResource[]): ServiceResource[] {
  const { name, namespace } = collector.metadata;
  return all.filter(
    (s) =>
      s.spec.collectorRef.name === name &&
      (s.metadata.namespace ?? namespace) === namespace &&
      s.metadata.deletionTimestamp === undefined,
  );
}

function secretView(secrets: Record<string, SecretView>, name: string): SecretView {
  return secrets[name] ?? { name, exists: false, keys: [] };
}

function everyChild(collector: CollectorResource): string[] {
  const names = childNames(collector.metadata.name);
  const state = usesVolume(collector) ? `PersistentVolumeClaim/${names.state}` : `ConfigMap/${names.state}`;
  const role = usesVolume(collector) ? [] : [`Role/${names.role}`, `RoleBinding/${names.role}`];
  return [
    `ServiceAccount/${names.serviceAccount}`,
    ...role,
    `ConfigMap/${names.configMap}`,
    state,
    `Service/${names.metricsService}`,
    `Deployment/${names.deployment}`,
  ];
}
