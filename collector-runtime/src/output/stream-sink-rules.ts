// config.yaml rules shared by the stream outputs (devo_platform, syslog): where to connect and the
// tuning of queue, connections, reconnects and compression. Defaults come from stream-sink-options.ts.
import { int, num, str, type Shape } from '../config/schema.ts';
import { streamSinkDefaults as d } from './stream-sink-options.ts';

// No scheme, path or "host:port" (the port has its own key); IPv6 addresses keep their colons.
const HOST = /^(?![^:]+:\d*$)[^\s/]+$/;
export const hostRule = () =>
  str({ min: 1, pattern: HOST, patternHint: 'a host name or IP address, without scheme or port' });
export const portRule = () => int({ min: 1, max: 65535 });
/** A certificate file name, relative to the certs/ directory (resolved by output-rules.ts) or absolute. */
export const certFileRule = () => str({ min: 1 });
// OpenSSL security levels; 1 is what older Devo certificates need (CA_MD_TOO_WEAK).
export const secLevelSetting = {
  rule: int({ min: 0, max: 5 }),
  doc: 'ciphers DEFAULT@SECLEVEL=<n>; unset keeps the default',
};

export const streamSinkSettings = {
  concurrent_connections: { rule: int({ min: 1, max: 64 }), default: d.concurrent_connections },
  queue_max_events: { rule: int({ min: 1 }), default: d.queue_max_events },
  queue_max_bytes: { rule: int({ min: 1024 }), default: d.queue_max_bytes },
  idle_reconnect_seconds: { rule: num({ min: 0 }), default: d.idle_reconnect_seconds },
  max_connection_age_seconds: { rule: num({ min: 1 }), default: d.max_connection_age_seconds },
  connect_timeout_seconds: { rule: num({ min: 0.1 }), default: d.connect_timeout_seconds },
  close_timeout_seconds: { rule: num({ min: 0 }), default: d.close_timeout_seconds },
  reconnect_initial_seconds: { rule: num({ min: 0.01 }), default: d.reconnect_initial_seconds },
  reconnect_max_seconds: { rule: num({ min: 0.01 }), default: d.reconnect_max_seconds },
  write_chunk_bytes: { rule: int({ min: 1024 }), default: d.write_chunk_bytes },
  resend_window_bytes: { rule: int({ min: 0 }), default: d.resend_window_bytes },
  resend_window_seconds: { rule: num({ min: 0 }), default: d.resend_window_seconds },
  compression: { rule: str({ oneOf: ['none', 'gzip'] }), default: d.compression },
  compression_level: { rule: int({ min: 1, max: 9 }), default: d.compression_level },
  compression_buffer_in_bytes: { rule: int({ min: 1024 }), default: d.compression_buffer_in_bytes },
} satisfies Shape;
