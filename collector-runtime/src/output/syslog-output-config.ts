// `outputs.<name>.config` of an output with `type: syslog`: a relay (e.g. Devo's In-House Relay) taking the same
// lines over plain TCP, or TLS without a client certificate.
import { bool, obj, type Rule, type Shape } from '../config/schema.ts';
import { streamSinkDefaults, type StreamSinkOptions } from './stream-sink-options.ts';
import {
  certFileRule,
  hostRule,
  portRule,
  secLevelSetting,
  streamSinkSettings,
} from './stream-sink-rules.ts';

export interface SyslogOutputConfig extends Partial<StreamSinkOptions> {
  address: string;
  /** 13000 is the port of the relay sample rule in the collector SDK's config.yaml. */
  port?: number;
  /** TLS instead of plain TCP. */
  tls?: boolean;
  /** With tls: CA file to trust instead of the system roots (relative to the certificates folder or absolute). */
  chain?: string;
  /** With tls: check that the server certificate names `address`. */
  verify_hostname?: boolean;
  /** With tls: OpenSSL security level (ciphers `DEFAULT@SECLEVEL=<n>`); unset keeps Node's default. */
  sec_level?: number;
}

export const syslogOutputDefaults = Object.freeze({
  ...streamSinkDefaults,
  port: 13000,
  tls: false,
  verify_hostname: true,
});

const syslogOutputSettings = {
  address: { rule: hostRule(), required: true },
  port: { rule: portRule(), default: syslogOutputDefaults.port },
  tls: { rule: bool(), default: syslogOutputDefaults.tls },
  chain: { rule: certFileRule(), doc: 'with tls: the CA file to trust instead of the system roots' },
  verify_hostname: { rule: bool(), default: syslogOutputDefaults.verify_hostname },
  sec_level: secLevelSetting,
  ...streamSinkSettings,
} satisfies Shape;

/** The config.yaml rule of `type: syslog` outputs, typed by what it parses. */
export const syslogOutputRule = () => obj(syslogOutputSettings) satisfies Rule<SyslogOutputConfig>;
