// What a source gives the conformance suite (conformance.test.ts) so the suite can drive it: a way to
// start its simulator holding data for every service, and the input settings that point at it.
import type { Clock } from '../../../collector-runtime/src/core/clock.ts';

export interface ConformanceRun {
  /**
   * The input's settings exactly as in config.yaml (credentials, URL overrides, `services:` with an
   * entry for EVERY service of the input), pointing at the simulator. `id` is set by the suite.
   */
  input: Record<string, unknown>;
  stop(): Promise<void>;
}

export interface ConformanceFixture {
  /**
   * Starts the source's simulator on loopback, on `clock` (a virtual clock: sleeping jumps time), with
   * records for every service in the recent past (e.g. the last 3 hours), served over several pages.
   * Each call starts a fresh simulator holding the same records (the suite compares runs).
   */
  start(clock: Clock): Promise<ConformanceRun>;
  /**
   * Stored state documents of older layouts, by service name, that the source's migrateState must
   * read (required when a service's stateVersion is above 1).
   */
  legacyStates?: Readonly<Record<string, string>>;
  /**
   * Services that only re-fetch what other services of the input failed to fetch (e.g. office365's
   * uri_retry): on a clean run they have nothing to deliver, so the suite checks everything but that
   * they deliver events.
   */
  retryOnlyServices?: readonly string[];
}
