// Test harness: the real runtime (config file → loadConfig → startRuntime) against the Graph simulator
// and a real rsyslog mTLS receiver. Each run tags its events with its own @devo_environment so one
// receiver can serve every test in a file.
import type { Clock } from '../../../../collector-runtime/src/core/clock.ts';
import type { TestPki } from '../../../support/tls-certs.ts';
import { startRuntimeRun, type RuntimeRun } from '../../../support/runtime-run.ts';
import {
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  SIM_TENANT_ID,
  type GraphSimulator,
} from '../../../simulators/graph/server.ts';

export { eventsOf, startRuntimeRun, type ReceivedEvent } from '../../../support/runtime-run.ts';

export interface GraphRunOptions {
  home: string;
  pki: TestPki;
  receiverPort: number;
  sim: GraphSimulator;
  environment: string;
  clock: Clock;
  audit?: Record<string, Record<string, unknown>>;
  security?: Record<string, Record<string, unknown>>;
}

export type GraphRun = RuntimeRun;

/** Starts the runtime on the Graph inputs named in `o` (audit, security), pointed at the simulator. */
export async function startGraphRun(o: GraphRunOptions): Promise<GraphRun> {
  const input = (services: Record<string, Record<string, unknown>>, id: string) => ({
    id,
    environment: o.environment,
    credentials: { tenant_id: SIM_TENANT_ID, client_id: SIM_CLIENT_ID, client_secret: SIM_CLIENT_SECRET },
    override_base_url: o.sim.url,
    override_login_url: `${o.sim.url}/`,
    services,
  });
  return startRuntimeRun({
    home: o.home,
    pki: o.pki,
    receiverPort: o.receiverPort,
    clock: o.clock,
    name: 'graph-e2e',
    inputs: {
      ...(o.audit ? { microsoft_graph_audit: input(o.audit, 'aud') } : {}),
      ...(o.security ? { microsoft_graph_security: input(o.security, 'sec') } : {}),
    },
  });
}
