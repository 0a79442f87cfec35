// The Graph collections the simulator serves, keyed by the collector's service names.

export type GraphService =
  | 'directory_audits'
  | 'provisioning_audits'
  | 'signIns'
  | 'signIns_v2'
  | 'alerts'
  | 'alerts_v2'
  | 'secure_scores'
  | 'secure_score_control_profiles';

export type ThrottleGroup = 'identity' | 'security';

export interface GraphEndpoint {
  readonly service: GraphService;
  /** Request path, matched case-insensitively like Graph does. */
  readonly path: string;
  /** Entity set named in `@odata.context`, after `$metadata#`. */
  readonly entitySet: string;
  /** OData type named in filter errors. */
  readonly entityType: string;
  /** The property `$filter` windows and `$orderby` use; null when the collection is not time based. */
  readonly timeField: string | null;
  readonly group: ThrottleGroup;
  readonly defaultOrder: 'asc' | 'desc';
  /** Largest `$skip` accepted; null when `$skip` is not supported at all. */
  readonly maxSkip: number | null;
  /** Hard `$top` cap on top of the simulator's page size. */
  readonly maxTop: number | null;
  /** Only these properties may appear in `$filter` (alerts_v2 rejects others); null = any property. */
  readonly filterable: readonly string[] | null;
  /** Only `eq` comparisons are allowed in `$filter`. */
  readonly eqOnly: boolean;
  readonly selectAllowed: boolean;
}

const identity = { group: 'identity', maxSkip: null, maxTop: null, filterable: null, eqOnly: false } as const;

export const ENDPOINTS: readonly GraphEndpoint[] = [
  {
    ...identity,
    service: 'directory_audits',
    path: '/v1.0/auditLogs/directoryAudits',
    entitySet: 'auditLogs/directoryAudits',
    entityType: 'microsoft.graph.directoryAudit',
    timeField: 'activityDateTime',
    defaultOrder: 'desc',
    selectAllowed: true,
  },
  {
    ...identity,
    service: 'provisioning_audits',
    path: '/v1.0/auditLogs/provisioning',
    entitySet: 'auditLogs/provisioning',
    entityType: 'microsoft.graph.provisioningObjectSummary',
    timeField: 'activityDateTime',
    defaultOrder: 'desc',
    selectAllowed: false,
  },
  {
    ...identity,
    service: 'signIns',
    path: '/v1.0/auditLogs/signIns',
    entitySet: 'auditLogs/signIns',
    entityType: 'microsoft.graph.signIn',
    timeField: 'createdDateTime',
    defaultOrder: 'desc',
    selectAllowed: true,
  },
  {
    ...identity,
    service: 'signIns_v2',
    path: '/beta/auditLogs/signIns',
    entitySet: 'auditLogs/signIns',
    entityType: 'microsoft.graph.signIn',
    timeField: 'createdDateTime',
    defaultOrder: 'desc',
    selectAllowed: true,
  },
  {
    service: 'alerts',
    path: '/v1.0/security/alerts',
    entitySet: 'security/alerts',
    entityType: 'microsoft.graph.alert',
    timeField: 'createdDateTime',
    group: 'security',
    defaultOrder: 'desc',
    maxSkip: 500,
    maxTop: 1000,
    filterable: null,
    eqOnly: false,
    selectAllowed: true,
  },
  {
    service: 'alerts_v2',
    path: '/v1.0/security/alerts_v2',
    entitySet: 'security/alerts_v2',
    entityType: 'microsoft.graph.security.alert',
    timeField: 'lastUpdateDateTime',
    group: 'security',
    defaultOrder: 'desc',
    maxSkip: 500,
    maxTop: 1000,
    filterable: [
      'assignedTo',
      'classification',
      'determination',
      'createdDateTime',
      'lastUpdateDateTime',
      'severity',
      'serviceSource',
      'status',
    ],
    eqOnly: false,
    selectAllowed: true,
  },
  {
    service: 'secure_scores',
    path: '/v1.0/security/secureScores',
    entitySet: 'security/secureScores',
    entityType: 'microsoft.graph.secureScore',
    timeField: 'createdDateTime',
    group: 'security',
    defaultOrder: 'desc',
    maxSkip: Number.MAX_SAFE_INTEGER,
    maxTop: null,
    filterable: null,
    eqOnly: false,
    selectAllowed: true,
  },
  {
    service: 'secure_score_control_profiles',
    path: '/v1.0/security/secureScoreControlProfiles',
    entitySet: 'security/secureScoreControlProfiles',
    entityType: 'microsoft.graph.secureScoreControlProfile',
    timeField: null,
    group: 'security',
    defaultOrder: 'asc',
    maxSkip: Number.MAX_SAFE_INTEGER,
    maxTop: null,
    filterable: null,
    eqOnly: true,
    selectAllowed: true,
  },
];

export const GRAPH_SERVICES: readonly GraphService[] = ENDPOINTS.map((e) => e.service);

const byPath = new Map(ENDPOINTS.map((e) => [e.path.toLowerCase(), e]));
const byService = new Map(ENDPOINTS.map((e) => [e.service, e]));

export function endpointForPath(pathname: string): GraphEndpoint | undefined {
  const trimmed = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  return byPath.get(trimmed.toLowerCase());
}

export function endpointForService(service: GraphService): GraphEndpoint {
  const endpoint = byService.get(service);
  if (endpoint === undefined) throw new Error(`unknown Graph service '${service}'`);
  return endpoint;
}
