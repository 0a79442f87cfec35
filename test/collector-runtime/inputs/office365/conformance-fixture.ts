// The office365 input in the conformance suite: the Office 365 simulator with activity of every content
// type over the last hours, in blobs with duplicates, on several listing pages. uri_retry only re-fetches
// URIs other services of the same input handed over, so on its own it has nothing to deliver.
import type { ConformanceFixture } from '../../conformance/fixture.ts';
import {
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  SIM_TENANT_ID,
  startOffice365Simulator,
  type ContentType,
} from '../../../simulators/office365/server.ts';

const MIN = 60_000;
const SERVICES: Readonly<Record<string, ContentType>> = {
  azure_active_directory: 'Audit.AzureActiveDirectory',
  sharepoint: 'Audit.SharePoint',
  exchange: 'Audit.Exchange',
  general_audit: 'Audit.General',
  dlp: 'DLP.All',
};

export const office365Fixture: ConformanceFixture = {
  async start(clock) {
    const sim = await startOffice365Simulator({ clock, seed: 7, pageSize: 3 });
    const now = clock.now();
    for (const type of Object.values(SERVICES))
      sim.addActivity(
        type,
        60,
        { from: now - 180 * MIN, to: now - 10 * MIN },
        { lateRate: 0, blobSize: [5, 10] },
      );
    const startTime = new Date(now - 240 * MIN).toISOString().replace(/\.\d+Z$/, 'Z');
    const small = { override_bloom_filter_size: 10_000, override_bloom_filter_buffer_size: 100 };
    return {
      input: {
        credentials: { tenant_id: SIM_TENANT_ID, client_id: SIM_CLIENT_ID, client_secret: SIM_CLIENT_SECRET },
        override_base_url: sim.url,
        override_login_url: sim.url,
        services: {
          ...Object.fromEntries(
            Object.keys(SERVICES).map((s) => [s, { start_time_in_utc: startTime, ...small }]),
          ),
          uri_retry: {},
        },
      },
      stop: () => sim.close(),
    };
  },
  // The 1.x collector's checkpoint: only the time of the last event.
  legacyStates: Object.fromEntries(
    Object.keys(SERVICES).map((s) => [
      s,
      JSON.stringify({
        '@persistence_version': 1,
        start_time_in_utc: null,
        last_event_time_in_utc: '2025-12-31 21:30:00',
      }),
    ]),
  ),
  retryOnlyServices: ['uri_retry'],
};
