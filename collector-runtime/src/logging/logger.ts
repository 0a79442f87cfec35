// The one place the pino logger is configured; secrets are redacted by key wherever they appear.
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

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
      timestamp: pino.stdTimeFunctions.isoTime,
      base: undefined,
    },
    opts.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
