// The Graph inputs in the conformance suite: the Graph simulator with records for every service, small
// pages, and the Python collector's state layout for migration.
import type { ConformanceFixture } from '../../conformance/fixture.ts';
import {
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  SIM_TENANT_ID,
  startGraphSimulator,
  type GraphService,
} from '../../../simulators/graph/server.ts';

const MIN = 60_000;

function graphFixture(services: readonly GraphService[]): ConformanceFixture {
  const legacy = JSON.stringify({
    persistence_version: 1,
    last_polled_timestamp: '2025-12-31T22:00:00Z',
    last_ids: ['a', 'b'],
    next_link: 'https://graph.microsoft.com/v1.0/auditLogs/signIns?$skiptoken=abc',
  });
  return {
    async start(clock) {
      const sim = await startGraphSimulator({ clock, seed: 7, pageSize: 7 });
      const now = clock.now();
      // Secure scores are daily snapshots (at 00:00 UTC): they need days of history, the rest hours.
      const history = (s: GraphService) => (s === 'secure_scores' ? 3 * 1440 : 180) * MIN;
      for (const s of services)
        if (s !== 'secure_score_control_profiles')
          sim.addRecords(s, 20, { from: now - history(s), to: now - 5 * MIN });
      const settings = (s: GraphService) =>
        s === 'secure_score_control_profiles'
          ? {}
          : {
              start_time_in_utc: new Date(now - history(s) - 60 * MIN).toISOString().replace(/\.\d+Z$/, 'Z'),
            };
      return {
        input: {
          credentials: {
            tenant_id: SIM_TENANT_ID,
            client_id: SIM_CLIENT_ID,
            client_secret: SIM_CLIENT_SECRET,
          },
          override_base_url: sim.url,
          override_login_url: `${sim.url}/`,
          services: Object.fromEntries(services.map((s) => [s, settings(s)])),
        },
        stop: () => sim.close(),
      };
    },
    legacyStates: Object.fromEntries(services.map((s) => [s, legacy])),
  };
}

export const graphAuditFixture = graphFixture([
  'directory_audits',
  'provisioning_audits',
  'signIns',
  'signIns_v2',
]);
export const graphSecurityFixture = graphFixture([
  'alerts',
  'alerts_v2',
  'secure_scores',
  'secure_score_control_profiles',
]);
