// alerts_v2 records (docs/sources/microsoft-graph.md "Records") and their later versions.

import { description, SEVERITIES, TITLES } from './alert-wording.ts';
import type { Prng } from '../../support/prng.ts';
import type { GraphRecord, RecordContext } from './record-context.ts';
import { randomIp } from './tenant-directory.ts';
import { isoTicks } from './time-format.ts';

const V2_SOURCES: readonly (readonly [string, string, string])[] = [
  ['microsoftDefenderForEndpoint', 'Microsoft Defender for Endpoint', 'antivirus'],
  ['microsoftDefenderForIdentity', 'Microsoft Defender for Identity', 'microsoftDefenderForIdentity'],
  ['microsoftDefenderForCloudApps', 'Microsoft Defender for Cloud Apps', 'microsoftDefenderForCloudApps'],
  ['microsoftDefenderForOffice365', 'Microsoft Defender for Office 365', 'microsoftDefenderForOffice365'],
  ['azureAdIdentityProtection', 'Microsoft Entra ID Protection', 'azureAdIdentityProtection'],
  ['microsoftSentinel', 'Microsoft Sentinel', 'scheduledAlerts'],
];

function evidence(prng: Prng, createdDateTime: string, ctx: RecordContext): Record<string, unknown> {
  const user = prng.pick(ctx.directory.users);
  const common = {
    createdDateTime,
    verdict: prng.pick(['unknown', 'suspicious', 'malicious']),
    remediationStatus: 'none',
    roles: [],
    tags: [],
  };
  switch (prng.int(0, 4)) {
    case 0:
      return {
        '@odata.type': '#microsoft.graph.security.deviceEvidence',
        ...common,
        mdeDeviceId: prng.hex(40),
        deviceDnsName: `host-${prng.alnum(4).toLowerCase()}`,
        osPlatform: 'Windows10',
      };
    case 1:
      return {
        '@odata.type': '#microsoft.graph.security.userEvidence',
        ...common,
        userAccount: {
          accountName: user.userPrincipalName.split('@')[0],
          displayName: user.displayName,
          userPrincipalName: user.userPrincipalName,
          azureAdUserId: user.id,
        },
      };
    case 2:
      return {
        '@odata.type': '#microsoft.graph.security.ipEvidence',
        ...common,
        ipAddress: randomIp(prng),
        countryLetterCode: prng.pick(ctx.directory.locations).countryOrRegion,
      };
    default:
      return {
        '@odata.type': '#microsoft.graph.security.fileEvidence',
        ...common,
        fileDetails: {
          fileName: 'invoice "final".pdf.exe',
          sha256: prng.hex(64),
          fileSize: prng.int(1000, 900000),
        },
      };
  }
}

export function alertV2(ctx: RecordContext, updatedMs: number, lastUpdateDateTime: string): GraphRecord {
  const { prng, directory } = ctx;
  const [serviceSource, productName, detectionSource] = prng.pick(V2_SOURCES);
  const createdMs = updatedMs - prng.int(0, 7_200_000);
  const createdDateTime = isoTicks(createdMs, prng.int(0, 10_000));
  const firstActivityDateTime = isoTicks(createdMs - prng.int(0, 600_000), prng.int(0, 10_000));
  const providerAlertId = `da${prng.digits(18)}_${prng.int(-2e9, 2e9)}`;
  const user = prng.pick(directory.users);
  return {
    '@odata.type': '#microsoft.graph.security.alert',
    id: providerAlertId,
    providerAlertId,
    incidentId: prng.digits(5),
    status: 'new',
    severity: prng.pick(SEVERITIES),
    investigationState: prng.pick(['unknown', 'queued', 'running', 'terminated']),
    classification: null,
    determination: null,
    serviceSource,
    detectionSource,
    productName,
    detectorId: prng.guid(),
    tenantId: directory.tenantId,
    title: prng.pick(TITLES),
    description: description(prng, user.displayName),
    recommendedActions: 'A. Validate the alert.\nB. Scope the incident.',
    category: prng.pick(['DefenseEvasion', 'InitialAccess', 'CredentialAccess', 'Exfiltration']),
    assignedTo: null,
    alertWebUrl: `https://security.microsoft.com/alerts/${providerAlertId}?tid=${directory.tenantId}`,
    incidentWebUrl: `https://security.microsoft.com/incidents/${prng.digits(5)}?tid=${directory.tenantId}`,
    actorDisplayName: null,
    threatDisplayName: null,
    threatFamilyName: null,
    mitreTechniques: [prng.pick(['T1564.001', 'T1078', 'T1566.002', 'T1059.001'])],
    createdDateTime,
    lastUpdateDateTime,
    resolvedDateTime: null,
    firstActivityDateTime,
    lastActivityDateTime: createdDateTime,
    comments: [],
    evidence: [evidence(prng, createdDateTime, ctx), evidence(prng, createdDateTime, ctx)],
    systemTags: [],
  };
}

/** The next version of an alerts_v2 alert: same id, new lastUpdateDateTime, status moves on. */
export function updatedAlertV2(
  ctx: RecordContext,
  previous: GraphRecord,
  lastUpdateDateTime: string,
): GraphRecord {
  const { prng, directory } = ctx;
  const next = previous['status'] === 'new' ? 'inProgress' : 'resolved';
  const user = prng.pick(directory.users);
  const comments = Array.isArray(previous['comments']) ? previous['comments'] : [];
  return {
    ...previous,
    status: next,
    assignedTo: user.userPrincipalName,
    classification:
      next === 'resolved'
        ? prng.pick(['falsePositive', 'truePositive', 'informationalExpectedActivity'])
        : null,
    determination: next === 'resolved' ? prng.pick(['malware', 'phishing', 'other']) : null,
    lastUpdateDateTime,
    resolvedDateTime: next === 'resolved' ? lastUpdateDateTime : null,
    comments: [
      ...comments,
      {
        comment: `Moved to ${next} by ${user.displayName}`,
        createdByDisplayName: user.displayName,
        createdDateTime: lastUpdateDateTime,
      },
    ],
  };
}
