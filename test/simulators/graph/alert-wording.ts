// Titles, severities and descriptions shared by legacy alerts and alerts_v2.

import type { Prng } from '../../support/prng.ts';

// The real Defender title ends with a zero-width space; keep it, collectors must pass it through.
export const TITLES = [
  'Impossible travel activity',
  'Suspicious PowerShell command line',
  "Mass download by a single user ('Finance' share)",
  'Email messages containing malicious URL removed after delivery\u200b',
  'Unfamiliar sign-in properties',
  'Ransomware activity',
];

export const SEVERITIES = ['informational', 'low', 'medium', 'high'] as const;

/** Some descriptions hold double quotes and a newline, as real ones do. */
export function description(prng: Prng, user: string): string {
  return prng.chance(0.3)
    ? `The user "${user}" signed in from an unusual location.\nThe sign-in was flagged by a rule.`
    : `Suspicious activity detected for ${user}.`;
}
