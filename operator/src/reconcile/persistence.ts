// Which state store a Collector runs with: spec.persistence when set, otherwise its source's default (a
// PersistentVolumeClaim for a source whose state outgrows a ConfigMap's 1 MiB, e.g. office365's dedup
// filter; a ConfigMap for the rest). The choice is recorded in status.persistence and from then on
// wins: neither a spec.persistence added later nor a changed default moves a running collector's
// checkpoints (the store no longer rendered would be pruned with them).
import { sourceDefinition } from '../api/offered-sources.ts';
import type { CollectorResource } from '../api/types.ts';
import type { FieldProblem } from './field-problem.ts';

export type PersistenceType = 'ConfigMap' | 'PersistentVolumeClaim';

export function defaultPersistence(source: string): PersistenceType {
  return sourceDefinition(source)?.prefersVolumeState ? 'PersistentVolumeClaim' : 'ConfigMap';
}

export function effectivePersistence(collector: CollectorResource): PersistenceType {
  return (
    collector.status?.persistence?.type ??
    collector.spec.persistence?.type ??
    defaultPersistence(collector.spec.source)
  );
}

/** spec.persistence names another store than the one recorded: refused, the recorded one stays. */
export function persistenceProblem(collector: CollectorResource): FieldProblem | undefined {
  const recorded = collector.status?.persistence?.type;
  const wanted = collector.spec.persistence?.type;
  if (recorded === undefined || wanted === undefined || wanted === recorded) return undefined;
  return {
    kind: 'Collector',
    name: collector.metadata.name,
    field: 'spec.persistence.type',
    message: `is ${wanted}, but this Collector keeps its checkpoints in a ${recorded} (status.persistence, chosen when it was created); persistence is immutable: remove spec.persistence (the type cannot be changed once set) to keep the ${recorded}, or create a new Collector (with the same inputId to keep the id)`,
  };
}
