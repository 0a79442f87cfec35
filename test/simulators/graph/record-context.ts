// What every record generator receives: its own random stream and the simulated tenant.

import type { Prng } from '../../support/prng.ts';
import type { TenantDirectory } from './tenant-directory.ts';

/** A Graph entity as served in `value[]`; every collection item has a string `id`. */
export interface GraphRecord {
  id: string;
  [property: string]: unknown;
}

export interface RecordContext {
  readonly prng: Prng;
  readonly directory: TenantDirectory;
}
