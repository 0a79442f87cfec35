// Leader election on a coordination.k8s.io/v1 Lease with client-go's rules and controller-runtime's defaults
// (15 s lease, 10 s renew deadline, 2 s retry). Another holder's lease counts as expired only after it has
// not changed for a full lease duration by our own clock, so clock skew between nodes does not matter.
import { V1MicroTime, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { apiMessageOf, isConflict, isNotFound, OperatorError } from '../errors.ts';

export interface LeaderElectionOptions {
  coordination: CoordinationV1Api;
  namespace: string;
  name: string;
  identity: string;
  log: Logger;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  now?: () => number;
}

export class LeaderElector {
  readonly #opts: Required<Omit<LeaderElectionOptions, 'log' | 'coordination'>> &
    Pick<LeaderElectionOptions, 'log' | 'coordination'>;
  #observedRecord = '';
  #observedAt = 0;
  #leading = false;
  #lastRenew = 0;
  #renewTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(opts: LeaderElectionOptions) {
    this.#opts = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      now: Date.now,
      ...opts,
    };
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  /** Retries every retry period until this replica holds the Lease; rejects if `signal` aborts first. */
  async acquire(signal?: AbortSignal): Promise<void> {
    const { log, namespace, name, identity } = this.#opts;
    log.info({ lease: `${namespace}/${name}`, identity }, 'Waiting for leader Lease');
    for (;;) {
      if (signal?.aborted)
        throw new OperatorError('OP_ERR_LEADER_LOST', 'stopped before acquiring the leader Lease');
      if (await this.#tryAcquireOrRenew()) {
        this.#leading = true;
        this.#lastRenew = this.#opts.now();
        log.info({ lease: `${namespace}/${name}`, identity }, 'Acquired leader Lease');
        return;
      }
      await sleep(this.#opts.retryPeriodMs, signal);
    }
  }

  /** Renews every retry period; calls `onLost` once if no renewal succeeds within the renew deadline. */
  keepRenewing(onLost: (err: OperatorError) => void): void {
    const tick = async () => {
      if (this.#stopped || !this.#leading) return;
      const ok = await this.#tryAcquireOrRenew();
      const now = this.#opts.now();
      if (ok) this.#lastRenew = now;
      else if (now - this.#lastRenew > this.#opts.renewDeadlineMs) {
        this.#leading = false;
        this.#opts.log.error({ identity: this.#opts.identity }, 'Lost leader Lease');
        onLost(
          new OperatorError(
            'OP_ERR_LEADER_LOST',
            `could not renew Lease ${this.#opts.namespace}/${this.#opts.name}`,
          ),
        );
        return;
      }
      if (!this.#stopped) this.#renewTimer = setTimeout(() => void tick(), this.#opts.retryPeriodMs);
    };
    this.#renewTimer = setTimeout(() => void tick(), this.#opts.retryPeriodMs);
  }

  /** Stops renewing and, if leading, hands the Lease back so a standby takes over at once. */
  async release(): Promise<void> {
    this.#stopped = true;
    if (this.#renewTimer) clearTimeout(this.#renewTimer);
    if (!this.#leading) return;
    this.#leading = false;
    const { coordination, namespace, name, identity, log } = this.#opts;
    try {
      const lease = await coordination.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      const now = new V1MicroTime(this.#opts.now());
      await coordination.replaceNamespacedLease({
        name,
        namespace,
        body: {
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: '',
            leaseDurationSeconds: 1,
            renewTime: now,
            acquireTime: now,
          },
        },
      });
      log.info({ lease: `${namespace}/${name}` }, 'Released leader Lease');
    } catch (err) {
      log.warn({ err }, 'Failed to release leader Lease');
    }
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { coordination, namespace, name, identity, log } = this.#opts;
    const now = this.#opts.now();
    const durationSeconds = Math.ceil(this.#opts.leaseDurationMs / 1000);
    let lease: V1Lease;
    try {
      lease = await coordination.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (!isNotFound(err)) {
        log.warn({ err: apiMessageOf(err) }, 'Failed to read leader Lease');
        return false;
      }
      try {
        const at = new V1MicroTime(now);
        await coordination.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: durationSeconds,
              acquireTime: at,
              renewTime: at,
              leaseTransitions: 0,
            },
          },
        });
        return true;
      } catch (createErr) {
        if (!isConflict(createErr))
          log.warn({ err: apiMessageOf(createErr) }, 'Failed to create leader Lease');
        return false;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const record = `${holder}|${String(spec.renewTime)}|${spec.leaseDurationSeconds}`;
    if (record !== this.#observedRecord) {
      this.#observedRecord = record;
      this.#observedAt = now;
    }
    const held = holder !== '' && holder !== identity;
    const leaseMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (held && this.#observedAt + leaseMs > now) return false;
    const at = new V1MicroTime(now);
    const mine = holder === identity;
    try {
      await coordination.replaceNamespacedLease({
        name,
        namespace,
        body: {
          ...lease,
          spec: {
            ...spec,
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            renewTime: at,
            acquireTime: mine ? spec.acquireTime : at,
            leaseTransitions: mine
              ? spec.leaseTransitions
              : (spec.leaseTransitions ?? 0) + (holder === '' ? 0 : 1),
          },
        },
      });
      return true;
    } catch (err) {
      if (!isConflict(err)) log.warn({ err: apiMessageOf(err) }, 'Failed to update leader Lease');
      return false;
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
