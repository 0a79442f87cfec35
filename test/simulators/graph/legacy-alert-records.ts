// Legacy security alert records (docs/sources/microsoft-graph.md "Records"): many providers aggregated behind one endpoint.

import { description, SEVERITIES, TITLES } from './alert-wording.ts';
import type { Prng } from '../../support/prng.ts';
import type { GraphRecord, RecordContext } from './record-context.ts';
import { randomIp } from './tenant-directory.ts';
import { isoTicks } from './time-format.ts';

interface Provider {
  readonly provider: string;
  readonly vendor: string;
  readonly version: string | null;
  readonly categories: readonly string[];
  readonly id: (prng: Prng) => string;
}

// Includes one provider the collector has no tag for, so its fallback path gets exercised.
export const ALERT_PROVIDERS: readonly Provider[] = [
  {
    provider: 'IPC',
    vendor: 'Microsoft',
    version: '3.0',
    categories: ['ImpossibleTravel', 'AnonymousLogin', 'LeakedCredentials'],
    id: (p) => p.hex(64),
  },
  {
    provider: 'MCAS',
    vendor: 'Microsoft',
    version: '0.1',
    categories: ['MCAS_ALERT_ANUBIS_DETECTION_VELOCITY', 'MCAS_ALERT_RANSOMWARE'],
    id: (p) => p.hex(24),
  },
  {
    provider: 'Microsoft Defender ATP',
    vendor: 'Microsoft',
    version: '7493',
    categories: ['DefenseEvasion', 'Execution', 'Malware'],
    id: (p) => `da${p.digits(18)}_${p.int(-2e9, 2e9)}`,
  },
  {
    provider: 'Microsoft 365 Defender',
    vendor: 'Microsoft',
    version: null,
    categories: ['InitialAccess', 'Exfiltration'],
    id: (p) => `ed${p.digits(18)}_${p.int(-2e9, 2e9)}`,
  },
  {
    provider: 'Office 365 Security and Compliance',
    vendor: 'Microsoft',
    version: '1.0',
    categories: ['ThreatManagement', 'DataGovernance'],
    id: (p) => p.guid(),
  },
  {
    provider: 'Azure Sentinel',
    vendor: 'Microsoft',
    version: '1.0',
    categories: ['Persistence', 'CredentialAccess'],
    id: (p) => p.guid(),
  },
  {
    provider: 'ASC',
    vendor: 'Microsoft',
    version: '3',
    categories: ['SuspiciousSVCHOSTRareGroup', 'Network_PortSweeping'],
    id: (p) => `2518${p.digits(15)}_${p.guid()}`,
  },
  {
    provider: 'Azure Advanced Threat Protection',
    vendor: 'Microsoft',
    version: '2.1',
    categories: ['ReconnaissanceAttack', 'LateralMovement'],
    id: (p) => p.guid(),
  },
  {
    provider: 'Contoso Custom',
    vendor: 'Contoso',
    version: '0.9-beta',
    categories: ['CustomDetection'],
    id: (p) => `contoso-${p.alnum(10)}`,
  },
];
export function legacyAlert(ctx: RecordContext, createdMs: number, createdDateTime: string): GraphRecord {
  const { prng, directory } = ctx;
  const provider = prng.weighted(
    ALERT_PROVIDERS.map((p) => [p, p.provider === 'Contoso Custom' ? 3 : 12] as const),
  );
  const user = prng.pick(directory.users);
  const eventDateTime = isoTicks(createdMs - prng.int(0, 3_600_000), prng.int(0, 10_000));
  return {
    id: provider.id(prng),
    azureTenantId: directory.tenantId,
    azureSubscriptionId: provider.provider === 'ASC' ? prng.guid() : null,
    activityGroupName: null,
    assignedTo: null,
    category: prng.pick(provider.categories),
    closedDateTime: null,
    cloudAppStates: [],
    comments: [],
    confidence: prng.int(0, 101),
    createdDateTime,
    description: description(prng, user.displayName),
    detectionIds: [],
    eventDateTime,
    feedback: null,
    fileStates: [],
    historyStates: [],
    hostStates:
      provider.provider === 'Microsoft Defender ATP'
        ? [
            {
              fqdn: `desktop-${prng.alnum(6).toLowerCase()}.contoso.com`,
              netBiosName: `DESKTOP-${prng.alnum(6)}`,
              os: 'Windows10',
              privateIpAddress: '10.0.0.4',
              publicIpAddress: randomIp(prng),
              riskScore: 'High',
            },
          ]
        : [],
    lastModifiedDateTime: createdDateTime,
    malwareStates: [],
    networkConnections: [],
    processes: [],
    recommendedActions: [],
    registryKeyStates: [],
    severity: prng.pick(SEVERITIES),
    sourceMaterials: [`https://security.microsoft.com/alerts/${prng.hex(16)}`],
    status: prng.pick(['newAlert', 'inProgress', 'resolved']),
    tags: [],
    title: prng.pick(TITLES),
    triggers: [],
    userStates: [
      {
        aadUserId: user.id,
        accountName: user.userPrincipalName.split('@')[0],
        domainName: directory.domain,
        userPrincipalName: user.userPrincipalName,
        logonIp: randomIp(prng),
        logonDateTime: eventDateTime,
      },
    ],
    vendorInformation: {
      provider: provider.provider,
      providerVersion: provider.version,
      subProvider: null,
      vendor: provider.vendor,
    },
    vulnerabilityStates: [],
  };
}
