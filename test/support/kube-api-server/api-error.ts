// Kubernetes `Status` failures (metav1.Status). client-node surfaces these as ApiException.body, so the
// shapes and messages follow k8s.io/apimachinery/pkg/api/errors.

import type { JsonObject } from './json-value.ts';

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** Identifies a resource the way apimachinery errors do: plural resource plus group, and the kind for Invalid. */
export interface GroupResource {
  group: string;
  resource: string;
  kind: string;
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;

  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): JsonObject {
    const status: JsonObject = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
    };
    if (this.details) status.details = JSON.parse(JSON.stringify(this.details)) as JsonObject;
    status.code = this.code;
    return status;
  }
}

function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

function resourceDetails(gr: GroupResource, name: string): StatusDetails {
  return gr.group ? { name, group: gr.group, kind: gr.resource } : { name, kind: gr.resource };
}

export function notFound(gr: GroupResource, name: string): ApiError {
  return new ApiError(
    404,
    'NotFound',
    `${qualifiedResource(gr)} "${name}" not found`,
    resourceDetails(gr, name),
  );
}

export function alreadyExists(gr: GroupResource, name: string): ApiError {
  return new ApiError(
    409,
    'AlreadyExists',
    `${qualifiedResource(gr)} "${name}" already exists`,
    resourceDetails(gr, name),
  );
}

export function conflict(gr: GroupResource, name: string, why: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`,
    resourceDetails(gr, name),
  );
}

export const STALE_OBJECT_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

/** 422 Invalid: message format of apierrors.NewInvalid (one cause plain, several in brackets). */
export function invalid(gr: GroupResource, name: string, causes: StatusCause[]): ApiError {
  const kind = gr.group ? `${gr.kind}.${gr.group}` : gr.kind;
  const rendered = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const summary = rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`;
  const details: StatusDetails = { name, kind: gr.kind, causes };
  if (gr.group) details.group = gr.group;
  return new ApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${summary}`, details);
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function forbidden(gr: GroupResource, name: string, why: string): ApiError {
  return new ApiError(
    403,
    'Forbidden',
    `${qualifiedResource(gr)} "${name}" is forbidden: ${why}`,
    resourceDetails(gr, name),
  );
}

export function methodNotAllowed(message: string): ApiError {
  return new ApiError(405, 'MethodNotAllowed', message);
}

export function unsupportedMediaType(contentType: string, accepted: readonly string[]): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    { causes: [{ reason: 'UnexpectedHeader', message: contentType, field: 'Content-Type' }] },
  );
}

export function expired(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

export function pathNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {
    causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }],
  });
}

/** Field-error helpers mirroring k8s.io/apimachinery/pkg/util/validation/field. */
export const fieldError = {
  required(field: string, detail = ''): StatusCause {
    return {
      reason: 'FieldValueRequired',
      message: detail ? `Required value: ${detail}` : 'Required value',
      field,
    };
  },
  invalid(field: string, value: unknown, detail: string): StatusCause {
    return { reason: 'FieldValueInvalid', message: `Invalid value: ${renderValue(value)}: ${detail}`, field };
  },
  typeInvalid(field: string, value: unknown, detail: string): StatusCause {
    return {
      reason: 'FieldValueTypeInvalid',
      message: `Invalid value: ${renderValue(value)}: ${detail}`,
      field,
    };
  },
  notSupported(field: string, value: unknown, valid: readonly unknown[]): StatusCause {
    const list = valid.map((v) => renderValue(v)).join(', ');
    return {
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${renderValue(value)}: supported values: ${list}`,
      field,
    };
  },
  tooLong(field: string, max: number, unit = 'bytes'): StatusCause {
    return { reason: 'FieldValueTooLong', message: `Too long: may not be more than ${max} ${unit}`, field };
  },
  tooMany(field: string, actual: number, max: number): StatusCause {
    return {
      reason: 'FieldValueTooMany',
      message: `Too many: ${actual}: must have at most ${max} items`,
      field,
    };
  },
  duplicate(field: string, value: unknown): StatusCause {
    return { reason: 'FieldValueDuplicate', message: `Duplicate value: ${renderValue(value)}`, field };
  },
  forbidden(field: string, detail: string): StatusCause {
    return { reason: 'FieldValueForbidden', message: `Forbidden: ${detail}`, field };
  },
};

function renderValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
