// Server-side apply under one field manager. Children are applied with force (the operator is their only
// writer of the fields it sends); status goes through the /status subresource under its own manager so
// ownership of spec and status stays separate in managedFields.
import type { KubernetesObject } from '@kubernetes/client-node';
import { apiMessageOf, httpStatusOf, isNotFound, OperatorError } from '../errors.ts';
import type { KubeRest } from './rest-client.ts';

export const FIELD_MANAGER = 'devo-collector-operator';
export const STATUS_FIELD_MANAGER = 'devo-collector-operator-status';

export interface ApplyOptions {
  fieldManager?: string;
  force?: boolean;
}

export function describeObject(obj: KubernetesObject): string {
  const ns = obj.metadata?.namespace;
  return `${obj.kind} ${ns ? `${ns}/` : ''}${obj.metadata?.name}`;
}

function retryableStatus(status: number | undefined): boolean {
  return status === undefined || status === 409 || status === 429 || status >= 500;
}

/** Applies the complete desired object; fields we applied before and left out now are removed by the server. */
export async function applyObject<T extends KubernetesObject>(
  rest: KubeRest,
  obj: T,
  opts: ApplyOptions = {},
): Promise<T> {
  // SSA rejects bodies carrying these; desired objects never should, but be strict at the boundary.
  const { resourceVersion: _rv, managedFields: _mf, ...metadata } = obj.metadata ?? {};
  const body = { ...obj, metadata } as T & { status?: unknown };
  delete body.status;
  try {
    return await rest.apply<T>(
      await rest.objectPath(body),
      body,
      opts.fieldManager ?? FIELD_MANAGER,
      opts.force ?? true,
    );
  } catch (err) {
    const status = httpStatusOf(err);
    throw new OperatorError(
      status === 409 ? 'OP_ERR_APPLY_CONFLICT' : 'OP_ERR_APPLY',
      `cannot apply ${describeObject(obj)}: ${status ? `HTTP ${status} ` : ''}${apiMessageOf(err)}`,
      { cause: err, retryable: retryableStatus(status) },
    );
  }
}

export interface CustomObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** Applies `status` of a custom resource through its /status subresource. */
/**
 * Applies `status` through the /status subresource. 'gone' when the object no longer exists (deleted
 * while we reconciled it): nothing is left to report on, which is not a failure.
 */
export async function applyCustomStatus(
  rest: KubeRest,
  ref: CustomObjectRef,
  status: unknown,
  opts: ApplyOptions = {},
): Promise<'applied' | 'gone'> {
  const body = {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, namespace: ref.namespace },
    status,
  };
  try {
    const path = await rest.pathOf(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    await rest.apply(`${path}/status`, body, opts.fieldManager ?? STATUS_FIELD_MANAGER, opts.force ?? true);
    return 'applied';
  } catch (err) {
    if (isNotFound(err)) return 'gone';
    const code = httpStatusOf(err);
    throw new OperatorError(
      code === 409 ? 'OP_ERR_APPLY_CONFLICT' : 'OP_ERR_APPLY',
      `cannot apply status of ${ref.kind} ${ref.namespace}/${ref.name}: ${code ? `HTTP ${code} ` : ''}${apiMessageOf(err)}`,
      { cause: err, retryable: retryableStatus(code) },
    );
  }
}

/** Deletes an object (children go with it, in the background); a missing object counts as deleted. */
export async function deleteObject(rest: KubeRest, obj: KubernetesObject): Promise<void> {
  try {
    await rest.request('DELETE', await rest.objectPath(obj), { query: { propagationPolicy: 'Background' } });
  } catch (err) {
    if (isNotFound(err)) return;
    const status = httpStatusOf(err);
    throw new OperatorError(
      'OP_ERR_KUBE_API',
      `cannot delete ${describeObject(obj)}: ${status ? `HTTP ${status} ` : ''}${apiMessageOf(err)}`,
      { cause: err, retryable: retryableStatus(status) },
    );
  }
}
