// Condition types and reasons of Collector and Service status, all in one place (kubebuilder's
// conditions.go): reconcile/status.ts sets them; docs, alerts and users' scripts branch on these strings.

export const CONDITION = {
  ready: 'Ready',
  configValid: 'ConfigValid',
  secretsFound: 'SecretsFound',
  progressing: 'Progressing',
  degraded: 'Degraded',
  stateReset: 'StateReset',
} as const;

export const REASON = {
  // ConfigValid
  configValid: 'ConfigValid',
  configInvalid: 'ConfigInvalid',
  noServices: 'NoServices',
  crdRuleViolated: 'CrdRuleViolated',
  // SecretsFound
  secretsFound: 'SecretsFound',
  secretNotFound: 'SecretNotFound',
  secretKeyMissing: 'SecretKeyMissing',
  // Ready / Progressing
  deploymentAvailable: 'DeploymentAvailable',
  deploymentProgressing: 'DeploymentProgressing',
  deploymentUnavailable: 'DeploymentUnavailable',
  deploymentWithheld: 'DeploymentWithheld',
  // Service conditions
  serviceAccepted: 'ServiceAccepted',
  serviceInvalid: 'ServiceInvalid',
  collectorNotFound: 'CollectorNotFound',
  collectorNotReady: 'CollectorNotReady',
  // Progressing / Degraded
  rolloutComplete: 'RolloutComplete',
  asExpected: 'AsExpected',
  reconcileFailed: 'ReconcileFailed',
  // StateReset
  noReset: 'NoReset',
  resetInProgress: 'ResetInProgress',
  resetCompleted: 'ResetCompleted',
  stateReset: 'StateReset',
  resetJobFailed: 'StateResetJobFailed',
} as const;
