// The microsoft_graph_audit and microsoft_graph_security inputs (collector 2.x; docs/sources/microsoft-graph.md).
import type { InputConfig, InputDefinition, ServiceDefinition } from '../definition.ts';
import { graphEndpoints } from './endpoints.ts';
import { fail, type Walk } from '../../config/schema.ts';
import { GRAPH_SERVICES } from './services.ts';
import { createGraphSnapshotPuller, createGraphWindowPuller } from './graph-puller.ts';
import { GRAPH_STATE_VERSION, migrateGraphState, type GraphState } from './graph-state.ts';
import {
  graphCredentials,
  graphInputSettings,
  snapshotSettings,
  windowSettings,
  type GraphInput,
} from './settings.ts';

const common = {
  defaultRequestPeriodSeconds: 300,
  minRequestPeriodSeconds: 60,
  stateVersion: GRAPH_STATE_VERSION,
  migrateState: migrateGraphState,
};

type GraphService =
  | ServiceDefinition<GraphState, typeof snapshotSettings, GraphInput>
  | ServiceDefinition<GraphState, typeof windowSettings, GraphInput>;

function service(name: string, description: string): GraphService {
  const spec = GRAPH_SERVICES[name]!;
  const { timeField, defaultTags } = spec;
  if (timeField === undefined) {
    const snapshot: ServiceDefinition<GraphState, typeof snapshotSettings, GraphInput> = {
      ...common,
      description,
      defaultTags,
      settings: snapshotSettings,
      omit: ['start_time_in_utc'],
      createPuller: (ctx) => createGraphSnapshotPuller(ctx, spec),
    };
    return snapshot;
  }
  const windowed: ServiceDefinition<GraphState, typeof windowSettings, GraphInput> = {
    ...common,
    description,
    defaultTags,
    settings: windowSettings,
    createPuller: (ctx) => createGraphWindowPuller(ctx, { ...spec, timeField }),
  };
  return windowed;
}

// 1.x service names and what replaced them (docs/sources/microsoft-graph.md, "the 1.x migration").
const LEGACY_SERVICES: Record<string, string> = {
  audit: 'directory_audits (input microsoft_graph_audit)',
  provisioning: 'provisioning_audits (input microsoft_graph_audit)',
  signIn: 'signIns (input microsoft_graph_audit)',
  signIn_nonInteractive: 'signIns_v2 (input microsoft_graph_audit), which covers every sign-in type',
  signIn_servicePrincipal: 'signIns_v2 (input microsoft_graph_audit), which covers every sign-in type',
  signIn_managedIdentity: 'signIns_v2 (input microsoft_graph_audit), which covers every sign-in type',
  secure_score_control_profile: 'secure_score_control_profiles (input microsoft_graph_security)',
};
const LEGACY_SETTINGS: Record<string, string> = {
  start_time: 'renamed to start_time_in_utc',
  tag_version:
    'removed in 2.0: tag_version v1 is now override_tag (secure_scores: cloud.msgraph.security.scores.2, secure_score_control_profiles: cloud.msgraph.security.scorecontrol.2, alerts: cloud.msgraph.security.alerts.2)',
  custom_endpoints:
    'removed in 2.0: set override_base_url, override_login_url and override_scope_value on the input instead',
  ms_365_environment: 'replaced by override_top_level_domain on the input (GCC High: us)',
  override_time_delta_in_days: 'removed in 2.0: use start_time_in_utc',
  pull_sliding_window_timespan_period: 'removed in 2.0: use override_query_window_max_seconds',
};

/** Recognises a 1.x Graph config (the product's migration guide, docs/sources/microsoft-graph.md) and says exactly what to change. */
function detectLegacy(raw: Record<string, unknown>, path: string, walk: Walk): void {
  const services = raw.services;
  if (!services || typeof services !== 'object') return;
  for (const [name, settings] of Object.entries(services as Record<string, unknown>)) {
    const p = `${path}.services.${name}`;
    if (name in LEGACY_SERVICES) fail(walk, p, `is a 1.x service name: use ${LEGACY_SERVICES[name]}`);
    if (settings && typeof settings === 'object')
      for (const key of Object.keys(settings)) {
        if (key in LEGACY_SETTINGS) fail(walk, `${p}.${key}`, `is a 1.x setting: ${LEGACY_SETTINGS[key]}`);
      }
  }
}

const inputBase = {
  stability: 'beta' as const,
  credentials: graphCredentials,
  settings: graphInputSettings,
  detectLegacy,
  // `validate --check-credentials`: every Graph service of an input asks for the same token.
  tokenRequests: (raw: InputConfig) => {
    const input = raw as unknown as GraphInput;
    const ep = graphEndpoints(input);
    const { client_id: clientId, client_secret: clientSecret } = input.credentials;
    return [{ tokenUrl: ep.tokenUrl, clientId, clientSecret, target: { scope: ep.scope } }];
  },
};

export const microsoftGraphAudit: InputDefinition = {
  name: 'microsoft_graph_audit',
  description: 'Microsoft Graph audit logs: directory and provisioning audits, sign-ins',
  ...inputBase,
  services: {
    directory_audits: service(
      'directory_audits',
      'Entra ID directory audit records (auditLogs/directoryAudits)',
    ),
    provisioning_audits: service(
      'provisioning_audits',
      'Entra ID provisioning records (auditLogs/provisioning)',
    ),
    signIns: service('signIns', 'Interactive user sign-ins (v1.0 auditLogs/signIns; needs Entra ID P1/P2)'),
    signIns_v2: service(
      'signIns_v2',
      'All sign-in types, one query per type (beta auditLogs/signIns; P1/P2)',
    ),
  },
};

export const microsoftGraphSecurity: InputDefinition = {
  name: 'microsoft_graph_security',
  description: 'Microsoft Graph security: alerts (legacy and v2), secure scores and control profiles',
  ...inputBase,
  services: {
    alerts: service(
      'alerts',
      'Legacy security alerts, tagged by provider (security/alerts; retired 2026-10-15)',
    ),
    alerts_v2: service('alerts_v2', 'Microsoft 365 Defender alerts (security/alerts_v2)'),
    secure_scores: service('secure_scores', 'Daily secure score snapshots (security/secureScores)'),
    secure_score_control_profiles: service(
      'secure_score_control_profiles',
      'Secure score control profiles, re-sent when they change (security/secureScoreControlProfiles)',
    ),
  },
};

/** The legacy 1.x input key: recognised only to explain the migration. */
export const LEGACY_GRAPH_INPUT =
  'microsoft_graph is the 1.x input: split it into microsoft_graph_audit (directory_audits, provisioning_audits, signIns, signIns_v2) and microsoft_graph_security (alerts, alerts_v2, secure_scores, secure_score_control_profiles), per the 2.0 migration guide';
