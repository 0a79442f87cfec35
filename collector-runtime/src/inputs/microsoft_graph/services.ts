// The eight Graph services: where each one reads, which field is its clock, which API budget it spends,
// and which Devo tag each record goes to (docs/sources/microsoft-graph.md, "Devo tags").

export type ApiGroup = 'identity' | 'security';

export interface GraphServiceSpec {
  path: string;
  version: 'v1.0' | 'beta';
  /** The record's time field the query window filters on; undefined for non-time-based services. */
  timeField?: string;
  group: ApiGroup;
  /** Page-size request ($top); the API clamps larger values. */
  top: number;
  paging: 'nextLink' | 'timeBoundary' | 'snapshot';
  /** Several queries per window, one per clause (signIns_v2: one per sign-in type); the first probes setup. */
  extraClauses?: readonly string[];
  /** Default tag for a record (override_tag replaces it). */
  tagFor(record: Record<string, unknown>): string;
  defaultTags: readonly string[];
  /** The dedup identity of a record: its id, made version-aware where records change. */
  keyOf(record: Record<string, unknown>): string;
}

const byId = (r: Record<string, unknown>) => String(r.id);

export const SIGN_IN_TYPE_TAGS: Record<string, string> = {
  interactiveUser: 'cloud.azure.ad.interactive_user_signin.2.msgraph',
  nonInteractiveUser: 'cloud.azure.ad.noninteractive_user_signin.2.msgraph',
  managedIdentity: 'cloud.azure.ad.managed_identity_signin.2.msgraph',
  servicePrincipal: 'cloud.azure.ad.service_principal_signin.2.msgraph',
  unknownFutureValue: 'cloud.azure.ad.unknown_future_value_signin.2.msgraph',
};

export const ALERT_PROVIDER_TAGS: Record<string, string> = {
  IPC: 'cloud.azure.ad.alerts.2.msgraph',
  MCAS: 'cloud.office365.cloud_apps.alerts.2.msgraph',
  'Microsoft Defender ATP': 'cloud.office365.endpoint.alerts.2.msgraph',
  'Microsoft 365 Defender': 'cloud.office365.endpoint.alerts.2.msgraph',
  'Office 365 Security and Compliance': 'cloud.office365.security.alerts.2.msgraph',
  'Azure Sentinel': 'cloud.azure.sentinel.alerts.2.msgraph',
  ASC: 'cloud.office365.identity.alerts.2.msgraph',
  'Azure Advanced Threat Protection': 'cloud.azure.securitycenter.alerts.2.msgraph',
};
/** Alerts from a provider the table does not know keep the pre-2.0 table (the product's migration guide: "Others", docs/sources/microsoft-graph.md). */
export const ALERT_FALLBACK_TAG = 'cloud.msgraph.security.alerts.2';

/** The beta signInEventTypes values queried one by one by signIns_v2 (unknownFutureValue has its own table). */
export const SIGN_IN_EVENT_TYPES = [
  'interactiveUser',
  'nonInteractiveUser',
  'managedIdentity',
  'servicePrincipal',
  'unknownFutureValue',
] as const;

function fixed(tag: string): Pick<GraphServiceSpec, 'tagFor' | 'defaultTags'> {
  return { tagFor: () => tag, defaultTags: [tag] };
}

export const GRAPH_SERVICES: Record<string, GraphServiceSpec> = {
  directory_audits: {
    path: 'auditLogs/directoryAudits',
    version: 'v1.0',
    timeField: 'activityDateTime',
    group: 'identity',
    top: 999,
    paging: 'nextLink',
    keyOf: byId,
    ...fixed('cloud.azure.ad.audit.2.msgraph'),
  },
  provisioning_audits: {
    path: 'auditLogs/provisioning',
    version: 'v1.0',
    timeField: 'activityDateTime',
    group: 'identity',
    top: 999,
    paging: 'nextLink',
    keyOf: byId,
    ...fixed('cloud.azure.ad.provisioning.2.msgraph'),
  },
  signIns: {
    path: 'auditLogs/signIns',
    version: 'v1.0',
    timeField: 'createdDateTime',
    group: 'identity',
    top: 999,
    paging: 'nextLink',
    keyOf: byId,
    ...fixed('cloud.azure.ad.signin.2.msgraph'),
  },
  signIns_v2: {
    path: 'auditLogs/signIns',
    version: 'beta',
    timeField: 'createdDateTime',
    group: 'identity',
    top: 999,
    paging: 'nextLink',
    extraClauses: SIGN_IN_EVENT_TYPES.map((t) => `signInEventTypes/any(t: t eq '${t}')`),
    keyOf: byId,
    tagFor(r) {
      const types = Array.isArray(r.signInEventTypes) ? (r.signInEventTypes as unknown[]) : [];
      const t = typeof types[0] === 'string' ? types[0] : 'unknownFutureValue';
      return SIGN_IN_TYPE_TAGS[t] ?? SIGN_IN_TYPE_TAGS.unknownFutureValue!;
    },
    defaultTags: Object.values(SIGN_IN_TYPE_TAGS),
  },
  alerts: {
    path: 'security/alerts',
    version: 'v1.0',
    timeField: 'createdDateTime',
    group: 'security',
    top: 1000,
    paging: 'nextLink',
    keyOf: (r) => `${String(r.id)}@${String(r.lastModifiedDateTime ?? '')}`,
    tagFor(r) {
      const v = r.vendorInformation as { provider?: unknown } | null | undefined;
      const provider = typeof v?.provider === 'string' ? v.provider : '';
      return ALERT_PROVIDER_TAGS[provider] ?? ALERT_FALLBACK_TAG;
    },
    defaultTags: [...new Set(Object.values(ALERT_PROVIDER_TAGS)), ALERT_FALLBACK_TAG],
  },
  alerts_v2: {
    path: 'security/alerts_v2',
    version: 'v1.0',
    timeField: 'lastUpdateDateTime',
    group: 'security',
    top: 1000,
    paging: 'timeBoundary',
    // A new lastUpdateDateTime is a new version of the alert that must be sent again.
    keyOf: (r) => `${String(r.id)}@${String(r.lastUpdateDateTime ?? '')}`,
    ...fixed('cloud.msgraph.security.alerts_v2.2'),
  },
  secure_scores: {
    path: 'security/secureScores',
    version: 'v1.0',
    timeField: 'createdDateTime',
    group: 'security',
    top: 100,
    paging: 'nextLink',
    keyOf: byId,
    ...fixed('cloud.office365.security.scores.2.msgraph'),
  },
  secure_score_control_profiles: {
    path: 'security/secureScoreControlProfiles',
    version: 'v1.0',
    group: 'security',
    top: 100,
    paging: 'snapshot',
    // Profiles change in place: a changed profile is a new event, an unchanged one a duplicate.
    keyOf: (r) => `${String(r.id)}@${String(r.lastModifiedDateTime ?? '')}`,
    ...fixed('cloud.office365.security.scorecontrol.2.msgraph'),
  },
};

/** Per-app-per-tenant budgets from the product documents' throttling table. */
export const API_BUDGETS: Record<ApiGroup, { limit: number; windowMs: number }> = {
  identity: { limit: 5, windowMs: 10_000 },
  security: { limit: 150, windowMs: 60_000 },
};
