// config.yaml rules shared by the stream outputs (devo_platform, syslog): where to connect and the
// tuning of queue, connections, reconnects and compression. Defaults come from stream-sink-options.ts.
import { fail, int, isMapping, join, num, str, warn, type Shape, type Walk } from '../config/schema.ts';
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

const MIN_RESEND_BUFFER_BYTES = 64 * 1024;

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
  resend_buffer_bytes: { rule: int({ min: MIN_RESEND_BUFFER_BYTES }), default: d.resend_buffer_bytes },
  // Replaced by resend_buffer_bytes; still accepted so existing files keep working (see retiredResendKeys).
  resend_window_bytes: { rule: int({ min: 0 }) },
  resend_window_seconds: { rule: num({ min: 0 }) },
  compression: { rule: str({ oneOf: ['none', 'gzip'] }), default: d.compression },
  compression_level: { rule: int({ min: 1, max: 9 }), default: d.compression_level },
  compression_buffer_in_bytes: { rule: int({ min: 1024 }), default: d.compression_buffer_in_bytes },
} satisfies Shape;

/**
 * resend_window_bytes/_seconds bounded a time window of resent bytes, which lost data older than the window.
 * The resend now keeps every byte not proven read: the byte bound carries over to resend_buffer_bytes (when
 * that is not set), the time bound has no meaning any more. 0 used to turn the resend off, which is no longer
 * possible. Returns false on an error.
 */
export function retiredResendKeys(
  config: Record<string, unknown>,
  raw: unknown,
  path: string,
  walk: Walk,
): boolean {
  const given = isMapping(raw) ? raw : {};
  const bytes = config.resend_window_bytes;
  let ok = true;
  if (typeof bytes === 'number') {
    if ('resend_buffer_bytes' in given)
      warn(
        walk,
        join(path, 'resend_window_bytes'),
        'is replaced by resend_buffer_bytes, which is set: ignored',
      );
    else if (bytes < MIN_RESEND_BUFFER_BYTES) {
      fail(
        walk,
        join(path, 'resend_window_bytes'),
        `got ${bytes}: the resend can no longer be turned off; remove resend_window_bytes or set resend_buffer_bytes (at least ${MIN_RESEND_BUFFER_BYTES})`,
      );
      ok = false;
    } else {
      warn(walk, join(path, 'resend_window_bytes'), 'is an old name: use resend_buffer_bytes');
      config.resend_buffer_bytes = bytes;
    }
  }
  if (config.resend_window_seconds !== undefined)
    warn(
      walk,
      join(path, 'resend_window_seconds'),
      'is ignored: everything the receiver may not have read is resent, however old (resend_buffer_bytes bounds the memory)',
    );
  delete config.resend_window_bytes;
  delete config.resend_window_seconds;
  return ok;
}
