// A logger whose records a test reads back. Every line is parsed with parseLogLine, so a log line that
// repeats a key fails the test that wrote it.
import { createLogger, type Logger } from '../../collector-runtime/src/logging/logger.ts';
import { parseLogLine } from './log-lines.ts';

export interface LogCapture {
  log: Logger;
  records: Record<string, unknown>[];
  messages(): string[];
}

export function captureLog(level = 'debug'): LogCapture {
  const records: Record<string, unknown>[] = [];
  const log = createLogger({
    level,
    destination: { write: (line: string) => void records.push(parseLogLine(line)) },
  });
  return { log, records, messages: () => records.map((r) => String(r.msg)) };
}
