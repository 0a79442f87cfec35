// A problem pinned to the custom resource field a person has to change, e.g.
// "Service signins-main spec.startTimeInUtc: must be in the past". Never carries a secret value.

export interface FieldProblem {
  kind: 'Collector' | 'Service';
  /** The custom resource's name. */
  name: string;
  /** Path inside the resource, e.g. spec.settings.override_top_level_domain; empty for the whole object. */
  field: string;
  message: string;
}

export function formatProblem(p: FieldProblem): string {
  return `${p.kind} ${p.name}${p.field ? ` ${p.field}` : ''}: ${p.message}`;
}
