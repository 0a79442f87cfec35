// office365_exchange_message in the conformance suite: the message trace simulator with rows of the
// last days (past the default 25-hour delay), over several Graph pages.
import type { ConformanceFixture } from '../../conformance/fixture.ts';
import {
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  SIM_TENANT_ID,
  startExchangeTraceSimulator,
} from '../../../simulators/exchange-message-trace/server.ts';

const HOUR = 3_600_000;

export const exchangeMessageTraceFixture: ConformanceFixture = {
  async start(clock) {
    const sim = await startExchangeTraceSimulator({ clock, seed: 7, graphMaxPageSize: 7 });
    const now = clock.now();
    sim.addRows({ count: 40, from: now - 3 * 24 * HOUR, to: now - 26 * HOUR });
    return {
      input: {
        credentials: { tenant_id: SIM_TENANT_ID, client_id: SIM_CLIENT_ID, client_secret: SIM_CLIENT_SECRET },
        override_base_url: sim.url,
        override_login_url: `${sim.url}/`,
        services: { office365_exchange_message_service: {} },
      },
      stop: () => sim.close(),
    };
  },
};
