// secureScore snapshots (one per UTC day) and the fixed secureScoreControlProfile catalogue (docs/sources/microsoft-graph.md "Records").

import type { GraphRecord, RecordContext } from './record-context.ts';
import { isoDay, isoSeconds, isoTicks } from './time-format.ts';

type Control = readonly [id: string, category: string, service: string, title: string, maxScore: number];

// Modelled on real control names; the simulator serves these ~40 as the tenant's control profiles.
const CONTROLS: readonly Control[] = [
  [
    'AdminMFAV2',
    'Identity',
    'AzureAD',
    'Ensure multifactor authentication is enabled for all users in administrative roles',
    10,
  ],
  [
    'MFARegistrationV2',
    'Identity',
    'AzureAD',
    'Ensure all users can complete multifactor authentication for secure access',
    9,
  ],
  [
    'BlockLegacyAuthentication',
    'Identity',
    'AzureAD',
    'Enable Conditional Access policies to block legacy authentication',
    8,
  ],
  ['SigninRiskPolicy', 'Identity', 'AzureAD', 'Turn on sign-in risk policy', 7],
  ['UserRiskPolicy', 'Identity', 'AzureAD', 'Turn on user risk policy', 7],
  ['PWAgePolicyNew', 'Identity', 'AzureAD', 'Do not expire passwords', 8],
  ['SelfServicePasswordReset', 'Identity', 'AzureAD', 'Enable self-service password reset', 1],
  ['OneAdmin', 'Identity', 'AzureAD', 'Designate more than one global admin', 1],
  ['RoleOverlap', 'Identity', 'AzureAD', 'Use least privileged administrative roles', 1],
  [
    'IntegratedApps',
    'Identity',
    'AzureAD',
    'Do not allow users to grant consent to unreliable applications',
    4,
  ],
  [
    'aad_admin_accounts_separate_unassigned_cloud_only',
    'Identity',
    'AzureAD',
    'Ensure administrative accounts are separate, unassigned and cloud-only',
    3,
  ],
  [
    'aad_limited_administrative_roles',
    'Identity',
    'AzureAD',
    "Use limited administrative roles ('Global Administrator' ≤ 4)",
    1,
  ],
  [
    'aad_password_protection',
    'Identity',
    'AzureAD',
    'Enable Microsoft Entra password protection for on-premises AD',
    1,
  ],
  [
    'aad_sign_in_freq_session_timeout',
    'Identity',
    'AzureAD',
    'Ensure sign-in frequency is enabled and browser sessions are not persistent',
    8,
  ],
  ['mdo_safelinksforOfficeApps', 'Apps', 'MDO', 'Ensure Safe Links for Office applications is enabled', 9],
  ['mdo_safeattachments', 'Apps', 'MDO', 'Turn on Safe Attachments in block mode', 8],
  ['mdo_antiphishingpolicies', 'Apps', 'MDO', 'Set the phishing email level threshold at 2 or higher', 9],
  ['mdo_zapspam', 'Apps', 'MDO', 'Ensure that Zero-hour auto purge for spam is enabled', 5],
  ['mdo_zapmalware', 'Apps', 'MDO', 'Ensure that Zero-hour auto purge for malware is enabled', 5],
  ['mdo_commonattachmentsfilter', 'Apps', 'MDO', 'Ensure the Common Attachment Types Filter is enabled', 5],
  [
    'mdo_blockmailforward',
    'Apps',
    'MDO',
    'Ensure all forms of mail forwarding are blocked and/or disabled',
    8,
  ],
  ['exo_mailtipsenabled', 'Apps', 'EXO', 'Ensure MailTips are enabled for end users', 1],
  [
    'exo_storageproviderrestricted',
    'Apps',
    'EXO',
    'Ensure additional storage providers are restricted in Outlook on the web',
    1,
  ],
  ['exo_outlookaddins', 'Apps', 'EXO', 'Ensure users installing Outlook add-ins is not allowed', 1],
  ['spo_idle_session_timeout', 'Apps', 'SPO', 'Ensure idle session timeout is set to 3 hours or less', 1],
  [
    'spo_external_sharing_managed',
    'Data',
    'SPO',
    'Ensure SharePoint external sharing is managed through domain lists',
    1,
  ],
  ['DLPEnabled', 'Data', 'Microsoft Information Protection', 'Apply data loss prevention policies', 10],
  [
    'InformationProtectionPolicies',
    'Data',
    'Microsoft Information Protection',
    'Apply sensitivity labels to protect data',
    10,
  ],
  ['CustomerLockBoxEnabled', 'Data', 'EXO', 'Turn on Customer Lockbox feature', 1],
  [
    'mip_search_auditlog',
    'Data',
    'Microsoft Information Protection',
    'Ensure Microsoft 365 audit log search is enabled',
    3,
  ],
  ['scid_2010', 'Device', 'MDATP', 'Turn on Microsoft Defender Antivirus', 10],
  ['scid_2011', 'Device', 'MDATP', 'Update Microsoft Defender Antivirus definitions', 10],
  ['scid_91', 'Device', 'MDATP', 'Disable Solicited Remote Assistance', 5],
  ['scid_4000', 'Device', 'MDATP', 'Enable SmartScreen app and file checking', 6],
  ['scid_5095', 'Device', 'MDATP', "Enable 'Local Security Authority (LSA) protection'", 9],
  [
    'scid_6090',
    'Device',
    'MDATP',
    'Block credential stealing from the Windows local security authority subsystem',
    9,
  ],
  ['meeting_designatedpresenter_v1', 'Apps', 'Teams', 'Only organizers and co-organizers can present', 1],
  ['meeting_restrictdialin_v1', 'Apps', 'Teams', 'Restrict dial-in users from bypassing a meeting lobby', 1],
  ['mca_oauth_app_review', 'Apps', 'MCAS', 'Review OAuth applications with high permissions', 5],
  ['ASCMonitoringAgent', 'Infrastructure', 'ASC', 'Install the monitoring agent on your machines', 3],
];

export function controlProfile(
  ctx: RecordContext,
  control: Control,
  rank: number,
  lastModifiedDateTime: string,
): GraphRecord {
  const { prng, directory } = ctx;
  const [id, controlCategory, service, title, maxScore] = control;
  return {
    id,
    azureTenantId: directory.tenantId,
    actionType: prng.pick(['Config', 'Review', 'Behavior']),
    actionUrl: `https://security.microsoft.com/securescore?viewid=actions&control=${encodeURIComponent(id)}`,
    controlCategory,
    title,
    service,
    maxScore,
    rank,
    tier: prng.pick(['Core', 'Defense in Depth', 'Advanced']),
    userImpact: prng.pick(['Low', 'Moderate', 'High']),
    implementationCost: prng.pick(['Low', 'Moderate', 'High']),
    threats: [
      prng.pick([
        'AccountBreach',
        'DataExfiltration',
        'ElevationOfPrivilege',
        'MaliciousInsider',
        'PasswordCracking',
      ]),
    ],
    remediation: `<p>To address "${title}":</p>\n<ol><li>Open the admin center.</li><li>Apply the setting.</li></ol>`,
    remediationImpact: 'Users may be asked to sign in again.',
    deprecated: false,
    lastModifiedDateTime,
    complianceInformation: [
      {
        certificationName: prng.pick(['NIST 800-53', 'ISO 27001:2013', 'CIS Microsoft 365 Foundations']),
        certificationControls: [
          {
            name: `Control ${prng.digits(2)}.${prng.digits(1)}`,
            url: 'https://www.cisecurity.org/benchmark/microsoft_365',
          },
        ],
      },
    ],
    controlStateUpdates: [
      { assignedTo: null, comment: null, state: 'Default', updatedBy: null, updatedDateTime: null },
    ],
    vendorInformation: {
      provider: 'SecureScore',
      providerVersion: null,
      subProvider: null,
      vendor: 'Microsoft',
    },
  };
}

/** The catalogue present from start-up, ranked in catalogue order. */
export function controlProfileCatalogue(ctx: RecordContext, lastModifiedMs: number): GraphRecord[] {
  return CONTROLS.map((control, i) => controlProfile(ctx, control, i + 1, isoSeconds(lastModifiedMs)));
}

/** Extra profiles beyond the catalogue (only when a test asks for more), with unique synthetic ids. */
export function extraControlProfile(
  ctx: RecordContext,
  ordinal: number,
  lastModifiedMs: number,
): GraphRecord {
  const control: Control = [
    `Custom_Control_${ordinal}`,
    'Identity',
    'AzureAD',
    `Custom control #${ordinal}`,
    2,
  ];
  return controlProfile(
    ctx,
    control,
    CONTROLS.length + ordinal,
    isoTicks(lastModifiedMs, ctx.prng.int(0, 10_000)),
  );
}

export function secureScore(ctx: RecordContext, dayMs: number): GraphRecord {
  const { prng, directory } = ctx;
  const controlScores = CONTROLS.slice(0, 12).map(([controlName, controlCategory, , title, maxScore]) => ({
    controlCategory,
    controlName,
    description: title,
    score: prng.chance(0.5) ? maxScore : Math.round(prng.float() * maxScore * 100) / 100,
  }));
  const maxScore = 697;
  return {
    id: `${directory.tenantId}_${isoDay(dayMs)}`,
    azureTenantId: directory.tenantId,
    activeUserCount: prng.int(80, 140),
    createdDateTime: isoSeconds(dayMs),
    currentScore: Math.round(prng.float() * maxScore * 100) / 100,
    maxScore,
    licensedUserCount: 150,
    enabledServices: ['HasExchange', 'HasSharePoint', 'HasOD4B', 'HasMDATP'],
    averageComparativeScores: [
      { basis: 'AllTenants', averageScore: 37.0 + prng.int(0, 5) },
      {
        basis: 'TotalSeats',
        averageScore: 46.0 + prng.int(0, 5),
        seatSizeRangeLowerValue: '100',
        seatSizeRangeUpperValue: '500',
      },
    ],
    controlScores,
    vendorInformation: {
      provider: 'SecureScore',
      providerVersion: null,
      subProvider: null,
      vendor: 'Microsoft',
    },
  };
}
