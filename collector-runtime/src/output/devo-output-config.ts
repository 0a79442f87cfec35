// `outputs.<name>.config` of an output with `type: devo_platform`: the seeds' keys plus stream tuning.
import { bool, obj, str, type Rule, type Shape } from '../config/schema.ts';
import { streamSinkDefaults, type StreamSinkOptions } from './stream-sink-options.ts';
import {
  certFileRule,
  hostRule,
  portRule,
  secLevelSetting,
  streamSinkSettings,
} from './stream-sink-rules.ts';

export interface DevoOutputConfig extends Partial<StreamSinkOptions> {
  /** Devo's ingestion host, e.g. `collector-eu.devo.io` (or an IP). */
  address: string;
  port?: number;
  /** Transport: only 'SSL' (TLS with the domain's client certificate), as in the seeds. */
  type?: 'SSL';
  /** File names of Devo's X.509 download, relative to the certificates folder or absolute. */
  chain: string;
  cert: string;
  key: string;
  /** Check that the server certificate names `address`; the collector SDK turns this off. */
  verify_hostname?: boolean;
  /**
   * OpenSSL security level, sent as ciphers `DEFAULT@SECLEVEL=<n>`. Set 1 for older Devo certificates that
   * fail with CA_MD_TOO_WEAK (what the collector SDK does); unset keeps Node's default (level 2).
   */
  sec_level?: number;
}

export const devoOutputDefaults = Object.freeze({
  ...streamSinkDefaults,
  port: 443,
  type: 'SSL' as const,
  verify_hostname: true,
});

const devoOutputSettings = {
  address: { rule: hostRule(), required: true },
  port: { rule: portRule(), default: devoOutputDefaults.port },
  // The Devo endpoints only take TLS with the domain's client certificate.
  type: { rule: str({ oneOf: ['SSL'] }), default: devoOutputDefaults.type },
  chain: { rule: certFileRule(), required: true },
  cert: { rule: certFileRule(), required: true },
  key: { rule: certFileRule(), required: true },
  verify_hostname: { rule: bool(), default: devoOutputDefaults.verify_hostname },
  sec_level: secLevelSetting,
  ...streamSinkSettings,
} satisfies Shape;

/** The config.yaml rule of `type: devo_platform` outputs, typed by what it parses. */
export const devoOutputRule = () => obj(devoOutputSettings) satisfies Rule<DevoOutputConfig>;
