// The `devo_platform` output: syslog lines over mutual TLS to Devo (docs/devo-ingestion.md "Transport"): trusts only
// the chain file, presents the domain certificate, TLS 1.2 minimum, SNI, hostname check unless disabled.
import { systemClock } from '../core/clock.ts';
import { classifyConnectionError } from './connection-error.ts';
import { devoOutputDefaults, type DevoOutputConfig } from './devo-output-config.ts';
import type { Sink, SinkDeps } from './sink.ts';
import { createStreamConnector } from './stream-connector.ts';
import { createStreamSink } from './stream-sink.ts';
import { withDefaults } from './stream-sink-options.ts';
import { readTlsFiles, requireTlsFiles, resolveTlsFiles, type TlsMaterial } from './tls-files.ts';
import { certificateExpiry } from './certificate-check.ts';

export type DevoSinkDeps = SinkDeps;

export function createDevoSink(config: DevoOutputConfig, deps: DevoSinkDeps): Sink {
  const c = withDefaults(devoOutputDefaults, config);
  const prefix = `outputs.${deps.name}.config`;
  const endpoint = `${c.address}:${c.port}`;
  // Missing keys are a configuration error: thrown here, not on the first connect.
  const files = requireTlsFiles(resolveTlsFiles(c, deps.certsDir, prefix), prefix);
  const expiry = deps.metrics.clientCertificateExpiry.labels({
    collector: deps.collector,
    output: deps.name,
  });
  const observe = (material: TlsMaterial) => {
    const at = material.cert && certificateExpiry(material.cert.toString('utf8'));
    if (at) expiry.set(at / 1000);
  };
  return createStreamSink(c, {
    name: deps.name,
    collector: deps.collector,
    log: deps.log,
    metrics: deps.metrics,
    clock: deps.clock ?? systemClock,
    peer: 'Devo',
    endpoint,
    preflight: async () => {
      observe(await readTlsFiles(files));
    },
    connect: createStreamConnector({
      address: c.address,
      port: c.port,
      tls: true,
      files,
      verifyHostname: c.verify_hostname,
      secLevel: c.sec_level,
      onTlsMaterial: observe,
    }),
    classify: (err) =>
      classifyConnectionError(err, { endpoint, ...files, verifyHostnameKey: `${prefix}.verify_hostname` }),
  });
}
