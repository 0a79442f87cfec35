// Condition reasons only the controller sets (the render's own reasons live in api/conditions.ts).

export const CONTROLLER_REASON = {
  rolloutComplete: 'RolloutComplete',
  asExpected: 'AsExpected',
  reconcileFailed: 'ReconcileFailed',
  noReset: 'NoReset',
  resetInProgress: 'ResetInProgress',
  resetCompleted: 'ResetCompleted',
  collectorNotReady: 'CollectorNotReady',
  stateReset: 'StateReset',
  resetJobFailed: 'StateResetJobFailed',
} as const;
