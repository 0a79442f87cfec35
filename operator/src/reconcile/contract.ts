// The seam between the pure desired-state function and the controller that applies it.
// reconcile/ computes; controller/ reads the cluster, calls desiredState(), applies, writes status.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { CollectorResource, ServiceResource } from '../api/types.ts';
import type { StateLocation } from './state-store.ts';

/** A referenced Secret as the reconciler may see it: whether it exists, which keys it has, a content hash. */
export interface SecretView {
  name: string;
  exists: boolean;
  keys: string[];
  /** sha256 over the sorted key/value pairs; never the values themselves. */
  hash?: string;
  /** The Secret's type (kubernetes.io/tls selects the tls.crt/tls.key/ca.crt layout); inferred from keys when absent. */
  type?: string;
}

export interface ReconcileInput {
  collector: CollectorResource;
  services: ServiceResource[];
  secrets: Record<string, SecretView>;
  /** The operator's own settings: runtime image default, namespace of the operator, etc. */
  settings: OperatorSettings;
  /**
   * Epoch ms for the runtime's "start_time_in_utc must be in the past" check. The controller passes its
   * clock so desiredState stays pure; when absent that one check is skipped.
   */
  now?: number;
}

export interface OperatorSettings {
  runtimeImage: string;
  fieldManager: string;
}

export interface Condition {
  type: 'Ready' | 'ConfigValid' | 'SecretsFound' | 'Progressing' | 'Degraded' | 'StateReset';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

export interface DesiredState {
  /**
   * Every child object, fully specified, with owner references to the Collector. Empty when the config
   * is invalid; without the Deployment when a referenced Secret or key is missing (see `withheld`).
   */
  objects: KubernetesObject[];
  /**
   * "Kind/name" of children left out because of a problem (e.g. "Deployment/graph-audit"). The controller
   * should leave existing ones as they are rather than prune them, so a typo never stops a running collector.
   */
  withheld?: string[];
  /** Conditions the render itself determines (ConfigValid, SecretsFound) and per-Service problems. */
  conditions: Condition[];
  serviceProblems: Record<string, string[]>;
  /** Hash over rendered config + referenced Secret data: the pod-template annotation that rolls pods. */
  configHash: string;
  /** Where the runtime keeps checkpoints, and the input id in each state key: what a reset wipes. */
  state: { location: StateLocation; inputId: string };
}
