// Which Services need their state wiped, decided from the fingerprints recorded in the Collector's
// status.resets. An entry moves `<fp>/wiping` → `<fp>/wiped` → `<fp>`, each step written to status before
// the next action, so an operator that restarts anywhere resumes the same reset instead of starting another.
import { createHash } from 'node:crypto';
import type { ServiceResource } from '../api/types.ts';

export type ResetPhase = 'done' | 'wiping' | 'wiped';

export interface ResetEntry {
  fingerprint: string;
  phase: ResetPhase;
}

/** Hash of the two settings whose change means "pull history again". */
export function resetFingerprint(service: ServiceResource): string {
  const basis = JSON.stringify([
    service.spec.startTimeInUtc ?? null,
    service.spec.resetPersistenceAuth ?? null,
  ]);
  return createHash('sha256').update(basis).digest('hex').slice(0, 16);
}

export function parseResetEntry(value: string | undefined): ResetEntry | undefined {
  if (!value) return undefined;
  const [fingerprint = '', phase] = value.split('/');
  if (phase === 'wiping' || phase === 'wiped') return { fingerprint, phase };
  return { fingerprint, phase: 'done' };
}

export function formatResetEntry(entry: ResetEntry): string {
  return entry.phase === 'done' ? entry.fingerprint : `${entry.fingerprint}/${entry.phase}`;
}

export interface ResetPlan {
  /** status.resets with first-seen Services recorded, vanished ones dropped and new resets marked wiping. */
  resets: Record<string, string>;
  /** Services whose state must be wiped before anything else is applied. */
  toWipe: ServiceResource[];
  /** Services already wiped: record their fingerprint once the new config is applied. */
  toFinish: ServiceResource[];
  /** True when `resets` differs from what status holds (write it before acting). */
  changed: boolean;
}

export function planResets(
  recorded: Record<string, string> | undefined,
  services: ServiceResource[],
): ResetPlan {
  const before = recorded ?? {};
  const resets: Record<string, string> = {};
  const toWipe: ServiceResource[] = [];
  const toFinish: ServiceResource[] = [];
  for (const service of services) {
    const name = service.metadata.name;
    const fingerprint = resetFingerprint(service);
    const entry = parseResetEntry(before[name]);
    if (!entry) {
      // First sight of this Service: its state (if any) belongs to these settings already.
      resets[name] = fingerprint;
    } else if (entry.fingerprint !== fingerprint) {
      // Changed since the last reset, or changed again while one was running: wipe for the new value.
      resets[name] = formatResetEntry({ fingerprint, phase: 'wiping' });
      toWipe.push(service);
    } else {
      resets[name] = formatResetEntry(entry);
      if (entry.phase === 'wiping') toWipe.push(service);
      if (entry.phase === 'wiped') toFinish.push(service);
    }
  }
  const changed = JSON.stringify(sortKeys(resets)) !== JSON.stringify(sortKeys(before));
  return { resets, toWipe, toFinish, changed };
}

function sortKeys(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
