// ObjectMeta validation shared by every kind: names, labels, annotations, owner references, finalizers
// (k8s.io/apimachinery/pkg/api/validation/objectmeta.go).

import { fieldError, type StatusCause } from './api-error.ts';
import { isJsonObject, jsonEqual, type JsonObject } from './json-value.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export type NameRule = 'subdomain' | 'label' | 'dns1035';

export function nameProblem(name: string, rule: NameRule): string | undefined {
  if (rule === 'label') {
    if (name.length > 63) return 'must be no more than 63 characters';
    if (!DNS1123_LABEL.test(name)) {
      return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    }
    return undefined;
  }
  if (rule === 'dns1035') {
    if (name.length > 63) return 'must be no more than 63 characters';
    if (!DNS1035_LABEL.test(name)) {
      return "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
    }
    return undefined;
  }
  if (name.length > 253) return 'must be no more than 253 characters';
  if (!DNS1123_SUBDOMAIN.test(name)) {
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  }
  return undefined;
}

/** Validates a qualified name (`prefix/name` or `name`) as used by label keys and finalizers. */
export function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix === '' || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
    return "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  }
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME_PART.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  }
  return undefined;
}

export function validateObjectMeta(meta: JsonObject, nameRule: NameRule): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = typeof meta.name === 'string' ? meta.name : '';
  const problem = name ? nameProblem(name, nameRule) : undefined;
  if (problem) causes.push(fieldError.invalid('metadata.name', name, problem));

  const labels = meta.labels;
  if (labels !== undefined && labels !== null) {
    if (!isJsonObject(labels)) causes.push(fieldError.invalid('metadata.labels', labels, 'must be a map'));
    else {
      for (const [key, value] of Object.entries(labels)) {
        const keyProblem = qualifiedNameProblem(key);
        if (keyProblem) causes.push(fieldError.invalid('metadata.labels', key, keyProblem));
        const v = String(value);
        if (typeof value !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) {
          causes.push(
            fieldError.invalid(
              'metadata.labels',
              value,
              "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
            ),
          );
        }
      }
    }
  }

  const annotations = meta.annotations;
  if (isJsonObject(annotations)) {
    let total = 0;
    for (const [key, value] of Object.entries(annotations)) {
      const keyProblem = qualifiedNameProblem(key.toLowerCase());
      if (keyProblem) causes.push(fieldError.invalid('metadata.annotations', key, keyProblem));
      total += Buffer.byteLength(key) + Buffer.byteLength(String(value));
    }
    if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
      causes.push({
        reason: 'FieldValueTooLong',
        message: `Too long: must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`,
        field: 'metadata.annotations',
      });
    }
  }

  const owners = meta.ownerReferences;
  if (Array.isArray(owners)) {
    let controllers = 0;
    owners.forEach((ref, i) => {
      if (!isJsonObject(ref)) return;
      for (const key of ['apiVersion', 'kind', 'name', 'uid']) {
        if (typeof ref[key] !== 'string' || ref[key] === '') {
          causes.push(fieldError.required(`metadata.ownerReferences[${i}].${key}`));
        }
      }
      if (ref.controller === true) controllers++;
    });
    if (controllers > 1) {
      causes.push(
        fieldError.invalid(
          'metadata.ownerReferences',
          owners,
          'Only one reference can have Controller set to true',
        ),
      );
    }
  }

  const finalizers = meta.finalizers;
  if (Array.isArray(finalizers)) {
    finalizers.forEach((f, i) => {
      const p = typeof f === 'string' ? qualifiedNameProblem(f) : 'must be a string';
      if (p) causes.push(fieldError.invalid(`metadata.finalizers[${i}]`, f, p));
    });
  }
  return causes;
}

/** Update-time metadata rules: no new finalizers once deletion started. */
export function validateObjectMetaUpdate(meta: JsonObject, oldMeta: JsonObject): StatusCause[] {
  if (!oldMeta.deletionTimestamp) return [];
  const oldFinalizers = Array.isArray(oldMeta.finalizers) ? oldMeta.finalizers : [];
  const newFinalizers = Array.isArray(meta.finalizers) ? meta.finalizers : [];
  const added = newFinalizers.filter((f) => !oldFinalizers.some((o) => jsonEqual(o, f)));
  return added.length > 0
    ? [
        fieldError.forbidden(
          'metadata.finalizers',
          'no new finalizers can be added if the object is being deleted',
        ),
      ]
    : [];
}
