// Deterministic record generation: one seeded random stream per service, so a service's records
// depend only on the seed and on the calls made for that service.

import { alertV2, updatedAlertV2 } from './alert-v2-records.ts';
import { legacyAlert } from './legacy-alert-records.ts';
import { directoryAudit, provisioningAudit } from './audit-records.ts';
import type { GraphService } from './endpoints.ts';
import { Prng } from '../../support/prng.ts';
import type { GraphRecord, RecordContext } from './record-context.ts';
import { controlProfileCatalogue, extraControlProfile, secureScore } from './secure-score-records.ts';
import { signIn } from './sign-in-records.ts';
import { buildTenantDirectory, type TenantDirectory } from './tenant-directory.ts';
import { DAY_MS, isoTicks } from './time-format.ts';

export type { GraphRecord } from './record-context.ts';

export class RecordFactory {
  readonly directory: TenantDirectory;
  readonly #seed: number;
  readonly #contexts = new Map<string, RecordContext>();
  #extraProfiles = 0;

  constructor(seed: number, tenantId: string) {
    this.#seed = seed;
    this.directory = buildTenantDirectory(tenantId, Prng.derive(seed, 'directory'));
  }

  #context(stream: string): RecordContext {
    let ctx = this.#contexts.get(stream);
    if (ctx === undefined) {
      ctx = { prng: Prng.derive(this.#seed, stream), directory: this.directory };
      this.#contexts.set(stream, ctx);
    }
    return ctx;
  }

  /**
   * One record of `service` whose time field is at `at` (epoch ms). Unless `exact`, random sub-millisecond
   * ticks are added the way Graph timestamps carry 7 fractional digits; the value stays below `at + 1 ms`.
   */
  create(service: GraphService, at: number, exact = false): GraphRecord {
    const ctx = this.#context(service);
    const time = isoTicks(at, exact ? 0 : ctx.prng.int(0, 10_000));
    switch (service) {
      case 'directory_audits':
        return directoryAudit(ctx, time);
      case 'provisioning_audits':
        return provisioningAudit(ctx, time);
      case 'signIns':
        return signIn(ctx, time, true);
      case 'signIns_v2':
        return signIn(ctx, time, false);
      case 'alerts':
        return legacyAlert(ctx, at, time);
      case 'alerts_v2':
        return alertV2(ctx, at, time);
      case 'secure_scores':
        return secureScore(ctx, Math.floor(at / DAY_MS) * DAY_MS);
      case 'secure_score_control_profiles':
        this.#extraProfiles += 1;
        return extraControlProfile(ctx, this.#extraProfiles, at);
    }
  }

  nextAlertV2Version(previous: GraphRecord, at: number): GraphRecord {
    return updatedAlertV2(this.#context('alerts_v2:updates'), previous, isoTicks(at));
  }

  controlProfileCatalogue(at: number): GraphRecord[] {
    return controlProfileCatalogue(this.#context('secure_score_control_profiles:catalogue'), at);
  }
}

/** A throwaway record per service, used to learn each entity's property names for `$filter` checks. */
export function sampleRecord(service: GraphService, tenantId: string): GraphRecord {
  return new RecordFactory(0, tenantId).create(service, Date.UTC(2024, 4, 1));
}
