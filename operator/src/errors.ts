// One error class for the operator, each failure with a stable `code`: callers branch on the code, never on
// the message. `permanent` errors are controller-runtime's TerminalError: status says why, no requeue.

export type OperatorErrorCode =
  /** Server-side apply was refused because another field manager owns a field (force was off). */
  | 'OP_ERR_APPLY_CONFLICT'
  /** Server-side apply failed for another reason (validation, RBAC, server error). */
  | 'OP_ERR_APPLY'
  /** A read, list, delete or status write against the API server failed. */
  | 'OP_ERR_KUBE_API'
  /** No usable kubeconfig (file missing, no in-cluster service account). */
  | 'OP_ERR_KUBECONFIG'
  /** The command line or operator settings are invalid. */
  | 'OP_ERR_USAGE'
  /** A state-reset Job failed; the reset is retried with backoff. */
  | 'OP_ERR_RESET_JOB_FAILED'
  /** The state ConfigMap kept changing under us while removing a service's key. */
  | 'OP_ERR_RESET_CONFLICT'
  /** This replica lost (or never got) the leader Lease. */
  | 'OP_ERR_LEADER_LOST';

export class OperatorError extends Error {
  readonly code: OperatorErrorCode;
  readonly retryable: boolean;
  readonly permanent: boolean;
  constructor(
    code: OperatorErrorCode,
    message: string,
    opts: { cause?: unknown; retryable?: boolean; permanent?: boolean } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'OperatorError';
    this.code = code;
    this.retryable = opts.retryable ?? true;
    this.permanent = opts.permanent ?? false;
  }
}

/** The HTTP status of a client-node failure (ApiException `code`, watch errors' `statusCode`), if any. */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

/** The API server's own message for a failed request (the Status body), or the error message. */
export function apiMessageOf(err: unknown): string {
  const body = (err as { body?: unknown } | undefined)?.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: string };
      if (parsed.message) return parsed.message;
    } catch {
      if (body) return body.slice(0, 300);
    }
  } else if (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { message?: unknown }).message === 'string'
  ) {
    return (body as { message: string }).message;
  }
  return err instanceof Error ? err.message : String(err);
}

export function isNotFound(err: unknown): boolean {
  return httpStatusOf(err) === 404;
}

export function isConflict(err: unknown): boolean {
  return httpStatusOf(err) === 409;
}
