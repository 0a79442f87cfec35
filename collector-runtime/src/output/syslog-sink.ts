// The `syslog` output: the same lines and connection handling as the Devo output, to a relay over plain TCP
// or server-authenticated TLS.
import { systemClock } from '../core/clock.ts';
import { classifyConnectionError } from './connection-error.ts';
import type { Sink, SinkDeps } from './sink.ts';
import { createStreamConnector } from './stream-connector.ts';
import { createStreamSink } from './stream-sink.ts';
import { withDefaults } from './stream-sink-options.ts';
import { syslogOutputDefaults, type SyslogOutputConfig } from './syslog-output-config.ts';
import { readTlsFiles, resolveTlsFiles } from './tls-files.ts';

export type SyslogSinkDeps = SinkDeps;

export function createSyslogSink(config: SyslogOutputConfig, deps: SyslogSinkDeps): Sink {
  const c = withDefaults(syslogOutputDefaults, config);
  const prefix = `outputs.${deps.name}.config`;
  const endpoint = `${c.address}:${c.port}`;
  const tls = c.tls;
  const files = tls ? resolveTlsFiles({ chain: c.chain }, deps.certsDir, prefix) : {};
  return createStreamSink(c, {
    name: deps.name,
    collector: deps.collector,
    log: deps.log,
    metrics: deps.metrics,
    clock: deps.clock ?? systemClock,
    peer: 'syslog relay',
    endpoint,
    preflight: async () => {
      if (tls) await readTlsFiles(files);
    },
    connect: createStreamConnector({
      address: c.address,
      port: c.port,
      tls,
      files,
      verifyHostname: c.verify_hostname,
      secLevel: c.sec_level,
    }),
    classify: (err) =>
      classifyConnectionError(err, { endpoint, ...files, verifyHostnameKey: `${prefix}.verify_hostname` }),
  });
}
