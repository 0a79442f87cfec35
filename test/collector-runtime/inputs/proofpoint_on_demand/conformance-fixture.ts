// proofpoint_on_demand in the conformance suite: the PoD simulator with message and maillog events over
// the last three hours, replayed from start_time, and a layout v1 state for migration.
import type { ConformanceFixture } from '../../conformance/fixture.ts';
import { SIM_POD_CLUSTER, SIM_POD_TOKEN, startPodSimulator } from '../../../simulators/proofpoint/server.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-01-01T00:00:00Z'); // the suite's virtual clock starts here

const v1 = JSON.stringify({
  '@persistence_version': 1,
  data: {
    checkpoint: { ts: '2025-12-31T22:10:00.000000+0000', instant_us: (T0 - HOUR - 50 * 60_000) * 1000 },
    live_until: '2025-12-31T22:10:00.000Z',
    recent_ids: [],
  },
});

export const proofpointOnDemandFixture: ConformanceFixture = {
  async start(clock) {
    const sim = await startPodSimulator({ clock, seed: 7, scenario: { duplicateEvery: 9 } });
    const now = clock.now();
    sim.add('message', 25, { from: now - 3 * HOUR, to: now - 5 * 60_000 });
    sim.add('maillog', 40, { from: now - 3 * HOUR, to: now - 5 * 60_000 });
    const service = {
      override_url_base: sim.url,
      request_period_in_seconds: 5,
      start_time: new Date(now - 4 * HOUR).toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    return {
      input: {
        credentials: { cluster_id: SIM_POD_CLUSTER, api_key: SIM_POD_TOKEN },
        services: { message: service, maillog: service },
      },
      stop: () => sim.close(),
    };
  },
  legacyStates: { message: v1, maillog: v1 },
};
