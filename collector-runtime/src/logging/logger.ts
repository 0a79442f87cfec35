// The one place the pino loggers of the runtime and the operator are configured: secrets are redacted by key
// wherever they appear, and errors keep message, code, stack and their cause chain (errWithCause).
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** The one redaction list, shared by the runtime and the operator. */
export const REDACT_PATHS = [
  'client_secret',
  '*.client_secret',
  '*.*.client_secret',
  'credentials',
  '*.credentials',
  'access_token',
  '*.access_token',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'key',
  '*.key',
  'password',
  '*.password',
];

export function createLogger(
  opts: { debug?: boolean; name?: string; destination?: DestinationStream; level?: string } = {},
): Logger {
  return pino(
    {
      name: opts.name ?? 'devo-collector',
      level: opts.level ?? (opts.debug ? 'debug' : 'info'),
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      serializers: { err: pino.stdSerializers.errWithCause },
      timestamp: pino.stdTimeFunctions.isoTime,
      base: undefined,
    },
    opts.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
