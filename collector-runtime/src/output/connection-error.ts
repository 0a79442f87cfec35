// Turns a connect or socket error into a metric `kind` (a small fixed set) and a message that says what to fix,
// naming the certificate file and its config key when a certificate is the cause.
import { CollectorError, errorMessage } from '../core/errors.ts';

export type ConnectionErrorKind =
  | 'tls_files'
  | 'tls_client_cert_rejected'
  | 'tls_server_cert'
  | 'tls_handshake'
  | 'connect_refused'
  | 'connect_timeout'
  | 'dns'
  | 'connection_reset'
  | 'server_closed'
  | 'other';

export interface ClassifiedError {
  kind: ConnectionErrorKind;
  message: string;
}

/** A certificate file as configured: its resolved path and the config key it came from. */
export interface FileRef {
  path: string;
  configKey: string;
}

export interface ErrorContext {
  /** `host:port`. */
  endpoint: string;
  chain?: FileRef;
  cert?: FileRef;
  /** Config key of the hostname-check switch, for the hint on name mismatches. */
  verifyHostnameKey?: string;
}

// Alerts a server sends when it does not accept the client certificate (RFC 8446 §6.2).
const CLIENT_CERT_ALERT =
  /ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_REQUIRED|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED)/;

// OpenSSL's local verification of the server's chain (Node copies the X509_V_ERR name into err.code).
const SERVER_CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function file(ref: FileRef | undefined, what: string): string {
  return ref ? `${what} ${ref.path} (${ref.configKey})` : what;
}

export function classifyConnectionError(err: unknown, ctx: ErrorContext): ClassifiedError {
  const code = codeOf(err);
  const detail = errorMessage(err);
  if (err instanceof CollectorError) return { kind: 'tls_files', message: detail };
  if (CLIENT_CERT_ALERT.test(code))
    return {
      kind: 'tls_client_cert_rejected',
      message: `${ctx.endpoint} rejected the ${file(ctx.cert, 'client certificate')}: ${detail}`,
    };
  if (code === 'CR_TLS_CLOSED_AFTER_HANDSHAKE')
    return {
      kind: 'tls_client_cert_rejected',
      message: `${ctx.endpoint} closed the connection right after the TLS handshake, which usually means it rejected the ${file(ctx.cert, 'client certificate')}`,
    };
  if (SERVER_CERT_CODES.has(code)) {
    const hint =
      code === 'ERR_TLS_CERT_ALTNAME_INVALID' && ctx.verifyHostnameKey
        ? ` (set ${ctx.verifyHostnameKey}: false to skip the hostname check)`
        : '';
    return {
      kind: 'tls_server_cert',
      message: `cannot verify the server certificate of ${ctx.endpoint} with the ${file(ctx.chain, 'CA chain')}: ${detail}${hint}`,
    };
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))
    return { kind: 'tls_handshake', message: `TLS with ${ctx.endpoint} failed: ${detail}` };
  if (code === 'ECONNREFUSED')
    return { kind: 'connect_refused', message: `${ctx.endpoint} refused the connection` };
  if (code === 'ETIMEDOUT' || code === 'ABORT_ERR' || (err as Error | null)?.name === 'TimeoutError')
    return { kind: 'connect_timeout', message: `connecting to ${ctx.endpoint} timed out` };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return { kind: 'dns', message: `cannot resolve the host of ${ctx.endpoint}: ${detail}` };
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED')
    return { kind: 'connection_reset', message: `${ctx.endpoint} reset the connection: ${detail}` };
  if (code === 'CR_SERVER_CLOSED')
    return { kind: 'server_closed', message: `${ctx.endpoint} closed the connection` };
  return { kind: 'other', message: `connection to ${ctx.endpoint} failed: ${detail}` };
}
