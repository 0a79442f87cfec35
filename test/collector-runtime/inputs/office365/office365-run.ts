// Test harness: the office365 input of the real runtime (config file → loadConfig → startRuntime)
// against the Office 365 simulator and a real rsyslog mTLS receiver, and the config the CLI tests use.
import type { Clock } from '../../../../collector-runtime/src/core/clock.ts';
import type { TestPki } from '../../../support/tls-certs.ts';
import {
  startRuntimeRun,
  writeRuntimeHome,
  type RuntimeHomeOptions,
  type RuntimeRun,
} from '../../../support/runtime-run.ts';
import {
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  SIM_TENANT_ID,
  type AuditRecord,
  type ContentType,
  type Office365Simulator,
} from '../../../simulators/office365/server.ts';

export const SERVICE_OF: Readonly<Record<ContentType, string>> = {
  'Audit.AzureActiveDirectory': 'azure_active_directory',
  'Audit.Exchange': 'exchange',
  'Audit.SharePoint': 'sharepoint',
  'Audit.General': 'general_audit',
  'DLP.All': 'dlp',
};

/** The product's tables: `cloud.office365.management.` + the record's workload in lower case. */
export function expectedTag(record: AuditRecord): string {
  return `cloud.office365.management.${record.Workload.toLowerCase()}`;
}

export interface Office365RunOptions {
  home: string;
  pki: TestPki;
  receiverPort: number;
  sim: Office365Simulator;
  environment: string;
  services: Record<string, Record<string, unknown>>;
  input?: Record<string, unknown>;
}

/** The office365 input of the run, pointed at the simulator. */
function office365Home(o: Office365RunOptions): RuntimeHomeOptions {
  return {
    home: o.home,
    pki: o.pki,
    receiverPort: o.receiverPort,
    name: 'office365-e2e',
    inputs: {
      office365: {
        id: 'o365',
        environment: o.environment,
        credentials: { tenant_id: SIM_TENANT_ID, client_id: SIM_CLIENT_ID, client_secret_env: 'O365_SECRET' },
        override_base_url: o.sim.url,
        override_login_url: o.sim.url,
        ...o.input,
        services: o.services,
      },
    },
  };
}

/** Writes the Docker layout (certs/, config/, state/) under `home` with a config for the office365 input. */
export function writeOffice365Config(o: Office365RunOptions): Promise<string> {
  return writeRuntimeHome(office365Home(o));
}

export type Office365Run = RuntimeRun;

export function startOffice365Run(o: Office365RunOptions & { clock: Clock }): Promise<Office365Run> {
  return startRuntimeRun({ ...office365Home(o), clock: o.clock, env: { O365_SECRET: SIM_CLIENT_SECRET } });
}
