// The validated, frozen configuration the runtime runs on (what config/load.ts returns).
import type { InputConfig, ServiceConfig } from '../inputs/definition.ts';

export type PersistenceConfig =
  | { type: 'filesystem'; config: { directory_name: string } }
  | { type: 'memory' }
  | { type: 'configmap'; config: { name: string; namespace?: string } };

export interface GlobalsConfig {
  debug: boolean;
  id: string;
  name: string;
  persistence: PersistenceConfig;
  /** Our additions (not in the seeds): the metrics/health HTTP listener and shutdown bound. */
  metrics: { host: string; port: number };
  shutdown_timeout_seconds: number;
  /** The HOSTNAME field of every syslog line (defaults to the pod name / host name). */
  hostname?: string;
  /** Set by the operator: the Collector whose status.lastPullTime this runtime reports. */
  kubernetes_status?: { collector: string; namespace?: string };
}

export type { OutputConfig } from '../output/output-rules.ts';
import type { OutputConfig } from '../output/output-rules.ts';

export interface EnabledService {
  name: string;
  config: ServiceConfig;
}

export interface ConfiguredInput {
  /** The input key, which is the source type (e.g. microsoft_graph_audit). */
  name: string;
  config: InputConfig;
  services: EnabledService[];
}

export interface RuntimeConfig {
  globals: GlobalsConfig;
  outputs: Record<string, OutputConfig>;
  inputs: ConfiguredInput[];
  /** Where files named in the config live (the Docker layout: certs/, config/, state/ side by side). */
  paths: { base: string; certs: string; config: string; state: string };
}
