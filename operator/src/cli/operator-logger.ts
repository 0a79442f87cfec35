// The operator's logger: the runtime's set-up (one redaction list, errors with code, stack and cause).
import type { DestinationStream, Logger } from 'pino';
import { createLogger } from '../../../collector-runtime/src/logging/logger.ts';

export function createOperatorLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  return createLogger({ name: 'devo-collector-operator', ...opts });
}
