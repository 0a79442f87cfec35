// Per-kind validation of built-in objects (pkg/apis/*/validation), limited to the rules an operator trips
// over: sizes, immutability, selector/template agreement, required container fields, event fields.

import { badRequest, fieldError, type StatusCause } from './api-error.ts';
import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from './json-value.ts';
import { nameProblem } from './object-meta-validation.ts';
import { labelSelectorObjectMatcher } from './selectors.ts';

export const MAX_CONFIG_SIZE = 1024 * 1024;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const CONFIG_KEY_MESSAGE =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

function asObject(value: JsonValue | undefined): JsonObject {
  return isJsonObject(value) ? value : {};
}

function validateConfigKeys(field: string, data: JsonObject, causes: StatusCause[]): void {
  for (const key of Object.keys(data)) {
    if (key.length > 253 || !CONFIG_KEY.test(key))
      causes.push(fieldError.invalid(`${field}[${key}]`, key, CONFIG_KEY_MESSAGE));
  }
}

/** Secret data must be valid base64 (the typed decoder fails before validation runs → 400). */
export function decodeSecretData(data: JsonObject): number {
  let total = 0;
  for (const [key, value] of Object.entries(data)) {
    const text = String(value);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
      throw badRequest(
        `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0 (key ${key})`,
      );
    }
    total += key.length + Buffer.from(text, 'base64').length;
  }
  return total;
}

function validateConfigMap(obj: JsonObject, old: JsonObject | undefined, causes: StatusCause[]): void {
  const data = asObject(obj.data);
  const binary = asObject(obj.binaryData);
  validateConfigKeys('data', data, causes);
  validateConfigKeys('binaryData', binary, causes);
  let total = 0;
  for (const [k, v] of Object.entries(data)) total += k.length + Buffer.byteLength(String(v));
  for (const [k, v] of Object.entries(binary)) total += k.length + Buffer.from(String(v), 'base64').length;
  if (total > MAX_CONFIG_SIZE) {
    causes.push({
      reason: 'FieldValueTooLong',
      message: `Too long: must have at most ${MAX_CONFIG_SIZE} bytes`,
      field: '',
    });
  }
  validateImmutableData(obj, old, causes);
}

function validateImmutableData(obj: JsonObject, old: JsonObject | undefined, causes: StatusCause[]): void {
  if (!old || old.immutable !== true) return;
  if (obj.immutable !== true)
    causes.push(fieldError.forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const field of ['data', 'binaryData']) {
    if (!jsonEqual(obj[field] ?? {}, old[field] ?? {})) {
      causes.push(fieldError.forbidden(field, 'field is immutable when `immutable` is set'));
    }
  }
}

function validateSecret(obj: JsonObject, old: JsonObject | undefined, causes: StatusCause[]): void {
  const data = asObject(obj.data);
  validateConfigKeys('data', data, causes);
  if (decodeSecretData(data) > MAX_CONFIG_SIZE) {
    causes.push({
      reason: 'FieldValueTooLong',
      message: `Too long: must have at most ${MAX_CONFIG_SIZE} bytes`,
      field: 'data',
    });
  }
  if (old && old.type !== obj.type) causes.push(fieldError.invalid('type', obj.type, 'field is immutable'));
  validateImmutableData(obj, old, causes);
}

function validatePodSpec(
  spec: JsonValue | undefined,
  field: string,
  restartPolicies: string[],
  causes: StatusCause[],
): void {
  const pod = asObject(spec);
  const containers = pod.containers;
  if (!Array.isArray(containers) || containers.length === 0)
    causes.push(fieldError.required(`${field}.containers`));
  const names = new Set<string>();
  for (const list of ['initContainers', 'containers']) {
    const items = pod[list];
    if (!Array.isArray(items)) continue;
    items.forEach((c, i) => {
      const container = asObject(c);
      const path = `${field}.${list}[${i}]`;
      if (typeof container.name !== 'string' || container.name === '')
        causes.push(fieldError.required(`${path}.name`));
      else {
        const problem = nameProblem(container.name, 'label');
        if (problem) causes.push(fieldError.invalid(`${path}.name`, container.name, problem));
        if (names.has(container.name)) causes.push(fieldError.duplicate(`${path}.name`, container.name));
        names.add(container.name);
      }
      if (typeof container.image !== 'string' || container.image === '')
        causes.push(fieldError.required(`${path}.image`));
    });
  }
  const policy = pod.restartPolicy;
  if (policy === undefined) {
    causes.push(
      fieldError.required(
        `${field}.restartPolicy`,
        `valid values: ${restartPolicies.map((p) => `"${p}"`).join(', ')}`,
      ),
    );
  } else if (!restartPolicies.includes(String(policy))) {
    causes.push(fieldError.notSupported(`${field}.restartPolicy`, policy, restartPolicies));
  }
}

function validateSelectorMatchesTemplate(spec: JsonObject, causes: StatusCause[]): void {
  const selector = spec.selector;
  if (!isJsonObject(selector)) {
    causes.push(fieldError.required('spec.selector'));
    return;
  }
  const labels = asObject(asObject(asObject(spec.template).metadata).labels);
  const empty =
    Object.keys(asObject(selector.matchLabels)).length === 0 && !Array.isArray(selector.matchExpressions);
  if (empty)
    causes.push(fieldError.invalid('spec.selector', selector, 'empty selector is invalid for deployment'));
  else if (!labelSelectorObjectMatcher(selector)({ metadata: { labels } })) {
    causes.push(
      fieldError.invalid(
        'spec.template.metadata.labels',
        labels,
        '`selector` does not match template `labels`',
      ),
    );
  }
}

function validateWorkload(
  kind: string,
  obj: JsonObject,
  old: JsonObject | undefined,
  causes: StatusCause[],
): void {
  const spec = asObject(obj.spec);
  validateSelectorMatchesTemplate(spec, causes);
  validatePodSpec(asObject(spec.template).spec, 'spec.template.spec', ['Always'], causes);
  if (typeof spec.replicas === 'number' && spec.replicas < 0) {
    causes.push(fieldError.invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  }
  if (kind === 'Deployment') {
    const strategy = asObject(spec.strategy);
    if (strategy.type === 'Recreate' && strategy.rollingUpdate !== undefined) {
      causes.push(
        fieldError.forbidden(
          'spec.strategy.rollingUpdate',
          "may not be specified when strategy `type` is 'Recreate'",
        ),
      );
    }
  }
  if (old && !jsonEqual(asObject(old.spec).selector, spec.selector)) {
    causes.push(fieldError.invalid('spec.selector', spec.selector ?? null, 'field is immutable'));
  }
}

function validateJob(obj: JsonObject, old: JsonObject | undefined, causes: StatusCause[]): void {
  const spec = asObject(obj.spec);
  validatePodSpec(asObject(spec.template).spec, 'spec.template.spec', ['OnFailure', 'Never'], causes);
  if (typeof spec.backoffLimit === 'number' && spec.backoffLimit < 0) {
    causes.push(
      fieldError.invalid('spec.backoffLimit', spec.backoffLimit, 'must be greater than or equal to 0'),
    );
  }
  if (old) {
    const oldSpec = asObject(old.spec);
    if (!jsonEqual(oldSpec.template, spec.template))
      causes.push(fieldError.invalid('spec.template', spec.template ?? null, 'field is immutable'));
    if (!jsonEqual(oldSpec.selector, spec.selector))
      causes.push(fieldError.invalid('spec.selector', spec.selector ?? null, 'field is immutable'));
    if (!jsonEqual(oldSpec.completions, spec.completions))
      causes.push(fieldError.invalid('spec.completions', spec.completions ?? null, 'field is immutable'));
  }
}

function validateService(obj: JsonObject, old: JsonObject | undefined, causes: StatusCause[]): void {
  const spec = asObject(obj.spec);
  const ports = Array.isArray(spec.ports) ? spec.ports : [];
  if (spec.type !== 'ExternalName' && spec.clusterIP !== 'None' && ports.length === 0)
    causes.push(fieldError.required('spec.ports'));
  ports.forEach((p, i) => {
    const port = asObject(p);
    if (ports.length > 1 && (typeof port.name !== 'string' || port.name === ''))
      causes.push(fieldError.required(`spec.ports[${i}].name`));
    if (typeof port.port !== 'number' || port.port < 1 || port.port > 65535) {
      causes.push(
        fieldError.invalid(
          `spec.ports[${i}].port`,
          port.port ?? null,
          'must be between 1 and 65535, inclusive',
        ),
      );
    }
  });
  if (old && asObject(old.spec).clusterIP !== undefined && spec.clusterIP !== asObject(old.spec).clusterIP) {
    causes.push(fieldError.invalid('spec.clusterIPs[0]', spec.clusterIP ?? null, 'may not change once set'));
  }
}

function validatePvc(obj: JsonObject, old: JsonObject | undefined, causes: StatusCause[]): void {
  const spec = asObject(obj.spec);
  if (!Array.isArray(spec.accessModes) || spec.accessModes.length === 0)
    causes.push(fieldError.required('spec.accessModes'));
  if (asObject(asObject(spec.resources).requests).storage === undefined)
    causes.push(fieldError.required('spec.resources[storage]'));
  if (old) {
    // resources.requests may grow, and the binder fills volumeName once.
    const strip = (s: JsonObject): JsonObject =>
      Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'resources' && k !== 'volumeName'));
    if (!jsonEqual(strip(asObject(old.spec)), strip(spec))) {
      causes.push(
        fieldError.forbidden(
          'spec',
          'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
        ),
      );
    }
  }
}

function validateEventsV1(obj: JsonObject, causes: StatusCause[]): void {
  for (const field of ['eventTime', 'reportingController', 'reportingInstance', 'action', 'reason']) {
    if (obj[field] === undefined || obj[field] === '') causes.push(fieldError.required(field));
  }
  if (obj.type !== 'Normal' && obj.type !== 'Warning')
    causes.push(fieldError.notSupported('type', obj.type ?? '', ['Normal', 'Warning']));
}

function validateCoreEvent(obj: JsonObject, causes: StatusCause[]): void {
  const involved = asObject(obj.involvedObject);
  const ns = asObject(obj.metadata).namespace;
  if (typeof involved.namespace === 'string' && involved.namespace !== '' && involved.namespace !== ns) {
    causes.push(
      fieldError.invalid('involvedObject.namespace', involved.namespace, 'does not match event.namespace'),
    );
  }
  if (obj.type !== undefined && obj.type !== 'Normal' && obj.type !== 'Warning') {
    causes.push(fieldError.notSupported('type', obj.type, ['Normal', 'Warning']));
  }
}

function validateCrd(obj: JsonObject, old: JsonObject | undefined, causes: StatusCause[]): void {
  const spec = asObject(obj.spec);
  const names = asObject(spec.names);
  const name = String(asObject(obj.metadata).name ?? '');
  if (typeof spec.group !== 'string' || spec.group === '') causes.push(fieldError.required('spec.group'));
  if (typeof names.plural !== 'string' || names.plural === '')
    causes.push(fieldError.required('spec.names.plural'));
  if (typeof names.kind !== 'string' || names.kind === '')
    causes.push(fieldError.required('spec.names.kind'));
  if (name !== `${String(names.plural)}.${String(spec.group)}`) {
    causes.push(fieldError.invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    causes.push(fieldError.notSupported('spec.scope', spec.scope ?? '', ['Cluster', 'Namespaced']));
  }
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isJsonObject) : [];
  if (versions.length === 0)
    causes.push(
      fieldError.invalid('spec.versions', null, 'must have exactly one version marked as storage version'),
    );
  else if (versions.filter((v) => v.storage === true).length !== 1) {
    causes.push(
      fieldError.invalid(
        'spec.versions',
        versions.map((v) => v.name ?? null),
        'must have exactly one version marked as storage version',
      ),
    );
  }
  if (old) {
    const oldSpec = asObject(old.spec);
    if (oldSpec.group !== spec.group)
      causes.push(fieldError.invalid('spec.group', spec.group ?? null, 'field is immutable'));
    if (asObject(oldSpec.names).plural !== names.plural)
      causes.push(fieldError.invalid('spec.names.plural', names.plural ?? null, 'field is immutable'));
    if (oldSpec.scope !== spec.scope)
      causes.push(fieldError.invalid('spec.scope', spec.scope ?? null, 'field is immutable'));
  }
}

/** `apiVersion` selects between the core/v1 and events.k8s.io/v1 event rules (both share one storage). */
export function validateBuiltin(
  storageKey: string,
  apiVersion: string,
  obj: JsonObject,
  old: JsonObject | undefined,
): StatusCause[] {
  const causes: StatusCause[] = [];
  switch (storageKey) {
    case '/configmaps':
      validateConfigMap(obj, old, causes);
      break;
    case '/secrets':
      validateSecret(obj, old, causes);
      break;
    case 'apps/deployments':
      validateWorkload('Deployment', obj, old, causes);
      break;
    case 'apps/statefulsets':
    case 'apps/daemonsets':
    case 'apps/replicasets':
      validateWorkload('', obj, old, causes);
      break;
    case 'batch/jobs':
      validateJob(obj, old, causes);
      break;
    case '/services':
      validateService(obj, old, causes);
      break;
    case '/persistentvolumeclaims':
      validatePvc(obj, old, causes);
      break;
    case '/pods':
      validatePodSpec(obj.spec, 'spec', ['Always', 'OnFailure', 'Never'], causes);
      break;
    case 'coordination.k8s.io/leases': {
      const duration = asObject(obj.spec).leaseDurationSeconds;
      if (typeof duration === 'number' && duration <= 0) {
        causes.push(fieldError.invalid('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
      }
      break;
    }
    case 'events':
      if (apiVersion === 'events.k8s.io/v1') validateEventsV1(obj, causes);
      else validateCoreEvent(obj, causes);
      break;
    case 'apiextensions.k8s.io/customresourcedefinitions':
      validateCrd(obj, old, causes);
      break;
  }
  return causes;
}
