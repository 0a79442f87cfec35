// The runtime's and the operator's loggers: one redaction list masks secrets wherever they sit, and errors
// keep message, code, stack and cause through the err serialiser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from 'pino';
import { createLogger } from '../../../collector-runtime/src/logging/logger.ts';
import { createOperatorLogger } from '../../../operator/src/cli/operator-logger.ts';
import { parseLogLine } from '../../support/log-lines.ts';

const SECRET = 'S3cr3t-Value.42';

function capture(make: (destination: { write(line: string): void }) => Logger) {
  const lines: Record<string, unknown>[] = [];
  const log = make({ write: (line) => void lines.push(parseLogLine(line)) });
  return { log, lines };
}

const loggers = {
  runtime: () => capture((destination) => createLogger({ destination })),
  operator: () => capture((destination) => createOperatorLogger({ destination })),
};

for (const [name, make] of Object.entries(loggers)) {
  test(`${name} logger: secrets are redacted at any of the usual places`, () => {
    const { log, lines } = make();
    log.info(
      {
        client_secret: SECRET,
        credentials: { client_id: 'c', client_secret: SECRET },
        input: { credentials: { client_secret: SECRET } },
        token: SECRET,
        response: { access_token: SECRET },
        headers: { authorization: `Bearer ${SECRET}` },
        tls: { key: SECRET },
        password: SECRET,
      },
      'with secrets',
    );
    log.flush();
    assert.equal(lines.length, 1);
    assert.doesNotMatch(JSON.stringify(lines[0]), new RegExp(SECRET.replace('.', '\\.')));
    assert.equal(lines[0]!.client_secret, '[REDACTED]');
  });

  test(`${name} logger: an error keeps message, code, stack and its cause`, () => {
    const { log, lines } = make();
    const cause = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const err = Object.assign(new Error('cannot reach Devo', { cause }), { code: 'CR_ERR_OUTPUT_CONNECT' });
    log.error({ err }, 'failed');
    log.flush();
    const e = lines[0]!.err as Record<string, unknown>;
    assert.equal(e.message, 'cannot reach Devo');
    assert.equal(e.code, 'CR_ERR_OUTPUT_CONNECT');
    assert.match(String(e.stack), /^Error: cannot reach Devo\n\s+at /);
    const c = e.cause as Record<string, unknown>;
    assert.equal(c.message, 'socket hang up');
    assert.equal(c.code, 'ECONNRESET');
  });
}
