// Capped exponential backoff with full jitter (AWS architecture blog), used by HTTP retries and reconnects.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor?: number;
}

export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * (policy.factor ?? 2) ** Math.max(0, attempt));
  // Half fixed, half jitter: never zero, never synchronised across pullers.
  return ceiling / 2 + random() * (ceiling / 2);
}
