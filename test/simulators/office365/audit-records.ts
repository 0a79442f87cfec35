// Unified audit records for the five Management Activity content types, in the common schema: CreationTime
// in UTC without a zone suffix, a GUID Id, RecordType, Operation, Workload and the workload's own fields.

import type { Prng } from '../../support/prng.ts';
import {
  randomIp,
  USER_AGENTS,
  type DirectoryUser,
  type TenantDirectory,
} from '../graph/tenant-directory.ts';

export const CONTENT_TYPES = [
  'Audit.AzureActiveDirectory',
  'Audit.Exchange',
  'Audit.SharePoint',
  'Audit.General',
  'DLP.All',
] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

export interface AuditRecord {
  readonly Id: string;
  readonly CreationTime: string;
  readonly Workload: string;
  readonly [field: string]: unknown;
}

export interface RecordContext {
  readonly prng: Prng;
  readonly directory: TenantDirectory;
}

/** `2024-05-01T10:02:33`: UTC, no zone suffix, no fraction (docs/sources/office365-management-activity.md). */
export function creationTime(ms: number): string {
  return new Date(Math.floor(ms)).toISOString().slice(0, 19);
}

const SITES = ['Finance', 'R&D – Zürich', 'HR', 'Sales EMEA', 'Legal'];
const FILES = [
  ['Quarterly report Q1 – final (v3)', 'xlsx'],
  ['Offboarding checklist', 'docx'],
  ['Board deck "draft"', 'pptx'],
  ['Contrato de confidencialidad', 'pdf'],
  ['Roadmap 2025', 'one'],
] as const;

function common(ctx: RecordContext, at: number, user: DirectoryUser) {
  return {
    CreationTime: creationTime(at),
    Id: ctx.prng.guid(),
    OrganizationId: ctx.directory.tenantId,
    UserKey: user.id,
    UserId: user.userPrincipalName,
    Version: 1,
  };
}

function azureActiveDirectory(ctx: RecordContext, at: number): AuditRecord {
  const { prng, directory } = ctx;
  const user = prng.pick(directory.users);
  const app = prng.pick(directory.apps);
  const ip = randomIp(prng);
  if (prng.chance(0.7)) {
    const failed = prng.chance(0.15);
    return {
      ...common(ctx, at, user),
      Operation: failed ? 'UserLoginFailed' : 'UserLoggedIn',
      RecordType: 15,
      ResultStatus: failed ? 'Failed' : 'Success',
      UserType: 0,
      Workload: 'AzureActiveDirectory',
      ClientIP: ip,
      ObjectId: app.appId,
      AzureActiveDirectoryEventType: 1,
      ExtendedProperties: [
        { Name: 'ResultStatusDetail', Value: failed ? 'UserError' : 'Success' },
        { Name: 'UserAgent', Value: prng.pick(USER_AGENTS) },
        { Name: 'RequestType', Value: prng.pick(['OAuth2:Authorize', 'Login:login', 'SAS:ProcessAuth']) },
      ],
      ModifiedProperties: [],
      Actor: [
        { ID: user.id, Type: 0 },
        { ID: user.userPrincipalName, Type: 5 },
      ],
      ActorContextId: directory.tenantId,
      ActorIpAddress: ip,
      InterSystemsId: prng.guid(),
      IntraSystemId: prng.guid(),
      SupportTicketId: '',
      Target: [{ ID: app.appId, Type: 0 }],
      TargetContextId: directory.tenantId,
      ApplicationId: app.appId,
      ErrorNumber: failed ? prng.pick(['50126', '50074', '50053']) : '0',
    };
  }
  const target = prng.pick(directory.users);
  const operation = prng.pick(['Add user.', 'Update user.', 'Add member to group.', 'Reset user password.']);
  return {
    ...common(ctx, at, user),
    Operation: operation,
    RecordType: 8,
    ResultStatus: 'Success',
    UserType: 2,
    Workload: 'AzureActiveDirectory',
    ObjectId: target.userPrincipalName,
    AzureActiveDirectoryEventType: 1,
    ExtendedProperties: [
      { Name: 'additionalDetails', Value: '{"UserType":"Member"}' },
      { Name: 'extendedAuditEventCategory', Value: 'User' },
    ],
    ModifiedProperties: [
      { Name: 'DisplayName', NewValue: `["${target.displayName}"]`, OldValue: '[]' },
      { Name: 'Included Updated Properties', NewValue: 'DisplayName', OldValue: '' },
    ],
    Actor: [
      { ID: user.userPrincipalName, Type: 5 },
      { ID: user.id, Type: 2 },
    ],
    ActorContextId: directory.tenantId,
    InterSystemsId: prng.guid(),
    IntraSystemId: prng.guid(),
    Target: [
      { ID: `User_${target.id}`, Type: 2 },
      { ID: target.userPrincipalName, Type: 5 },
    ],
    TargetContextId: directory.tenantId,
  };
}

function exchange(ctx: RecordContext, at: number): AuditRecord {
  const { prng, directory } = ctx;
  const user = prng.pick(directory.users);
  const base = { ...common(ctx, at, user), Workload: 'Exchange', ClientIP: randomIp(prng) };
  if (prng.chance(0.25)) {
    const cmdlet = prng.pick(['Set-Mailbox', 'New-InboxRule', 'Add-MailboxPermission', 'Set-TransportRule']);
    return {
      ...base,
      Operation: cmdlet,
      RecordType: 1,
      ResultStatus: prng.pick(['True', 'True', 'False']),
      UserType: 2,
      ObjectId: prng.pick(directory.users).userPrincipalName,
      ExternalAccess: false,
      OrganizationName: directory.domain,
      OriginatingServer: `AM${prng.digits(1)}PR0${prng.digits(1)}MB${prng.digits(4)} (15.20.7472.000)`,
      Parameters: [
        { Name: 'Identity', Value: prng.pick(directory.users).userPrincipalName },
        { Name: 'ForwardingSmtpAddress', Value: 'smtp:archive@fabrikam.example' },
      ],
    };
  }
  const operation = prng.pick(['MailItemsAccessed', 'Send', 'SoftDelete', 'MoveToDeletedItems', 'Update']);
  return {
    ...base,
    Operation: operation,
    RecordType: 2,
    ResultStatus: 'Succeeded',
    UserType: 0,
    ObjectId: '',
    ClientInfoString: 'Client=OutlookService;Outlook-iOS/2.0;',
    ExternalAccess: false,
    InternalLogonType: 0,
    LogonType: 0,
    LogonUserSid: `S-1-5-21-${prng.digits(10)}-${prng.digits(10)}-${prng.digits(10)}-${prng.digits(5)}`,
    MailboxGuid: prng.guid(),
    MailboxOwnerUPN: user.userPrincipalName,
    SessionId: prng.guid(),
    Item: {
      Id: `RgAAAAB${prng.alnum(40)}AAAJ`,
      InternetMessageId: `<${prng.alnum(20)}@${prng.pick(['eu', 'na'])}prd${prng.digits(2)}.prod.outlook.com>`,
      ParentFolder: { Path: prng.pick(['\\Inbox', '\\Sent Items', '\\Deleted Items']) },
      SizeInBytes: prng.int(2_000, 4_000_000),
      Subject: prng.pick([
        'Re: Quarterly report',
        'Offer – confidential',
        'Café meeting "Friday"',
        '会议纪要',
      ]),
    },
  };
}

function sharePoint(ctx: RecordContext, at: number): AuditRecord {
  const { prng, directory } = ctx;
  const user = prng.pick(directory.users);
  const oneDrive = prng.chance(0.35);
  const [name, ext] = prng.pick(FILES);
  const alias = user.userPrincipalName.split('@')[0]!.replace(/[^a-z0-9]/gi, '_');
  const siteUrl = oneDrive
    ? `https://contoso-my.sharepoint.com/personal/${alias}_contoso_onmicrosoft_com/`
    : `https://contoso.sharepoint.com/sites/${encodeURIComponent(prng.pick(SITES))}/`;
  const folder = oneDrive ? 'Documents' : 'Shared Documents';
  const sharing = prng.chance(0.15);
  return {
    ...common(ctx, at, user),
    Operation: sharing
      ? prng.pick(['SharingSet', 'AnonymousLinkCreated', 'SharingInvitationCreated'])
      : prng.pick(['FileAccessed', 'FileModified', 'FileDownloaded', 'FileUploaded', 'FilePreviewed']),
    RecordType: sharing ? 14 : 6,
    UserType: 0,
    Workload: oneDrive ? 'OneDrive' : 'SharePoint',
    ClientIP: randomIp(prng),
    ObjectId: `${siteUrl}${folder}/${name}.${ext}`,
    CorrelationId: prng.guid(),
    EventSource: 'SharePoint',
    ItemType: 'File',
    ListId: prng.guid(),
    ListItemUniqueId: prng.guid(),
    Site: prng.guid(),
    UserAgent: prng.pick(USER_AGENTS),
    WebId: prng.guid(),
    SourceFileExtension: ext,
    SiteUrl: siteUrl,
    SourceFileName: `${name}.${ext}`,
    SourceRelativeUrl: folder,
    ...(sharing ? { TargetUserOrGroupType: 'Guest', TargetUserOrGroupName: 'partner@fabrikam.example' } : {}),
  };
}

/** Audit.General carries every workload that has no content type of its own. */
const GENERAL_WORKLOADS = [
  ['MicrosoftTeams', 25, ['TeamsSessionStarted', 'MemberAdded', 'MessageSent', 'ChannelAdded']],
  ['PowerBI', 20, ['ViewReport', 'ExportReport', 'ViewDashboard']],
  ['ThreatIntelligence', 28, ['TIMailData']],
  ['SecurityComplianceCenter', 40, ['AlertTriggered', 'AlertEntityGenerated']],
  ['MicrosoftForms', 66, ['ViewForm', 'CreateForm']],
  ['Yammer', 22, ['MessageCreated', 'FileVisited']],
] as const;

function general(ctx: RecordContext, at: number): AuditRecord {
  const { prng, directory } = ctx;
  const user = prng.pick(directory.users);
  const [workload, recordType, operations] = prng.pick(GENERAL_WORKLOADS);
  const operation = prng.pick(operations);
  const base = {
    ...common(ctx, at, user),
    Operation: operation,
    RecordType: recordType,
    UserType: 0,
    Workload: workload,
    ClientIP: randomIp(prng),
    ObjectId: '',
  };
  switch (workload) {
    case 'MicrosoftTeams':
      return {
        ...base,
        TeamName: prng.pick(['Finance', 'Incident response', 'Zürich office']),
        ChannelName: prng.pick(['General', 'Alerts', 'Off-topic']),
        CommunicationType: 'Team',
        AadGroupId: prng.pick(directory.groups).id,
      };
    case 'PowerBI':
      return {
        ...base,
        Activity: operation,
        ItemName: prng.pick(['Sales funnel', 'Headcount – 2024']),
        WorkSpaceName: 'Finance',
        DatasetName: 'Sales',
        ReportName: 'Sales funnel',
        DistributionMethod: 'Workspace',
        RequestId: prng.guid(),
      };
    case 'ThreatIntelligence':
      return {
        ...base,
        UserId: 'ThreatIntel',
        UserType: 4,
        Subject: 'Your mailbox is full – verify now',
        P1Sender: 'it-support@contoso-helpdesk.example',
        Recipients: [user.userPrincipalName],
        Verdict: prng.pick(['Phish', 'Malware', 'Spam']),
        DeliveryAction: prng.pick(['Blocked', 'Delivered', 'Junked']),
        NetworkMessageId: prng.guid(),
      };
    case 'SecurityComplianceCenter':
      return {
        ...base,
        UserId: 'SecurityComplianceAlerts',
        UserType: 4,
        AlertId: prng.guid(),
        AlertType: 'System',
        Category: 'ThreatManagement',
        Name: 'Email messages containing malicious URL removed after delivery',
        Severity: prng.pick(['Low', 'Medium', 'High', 'Informational']),
        Status: 'Active',
        Source: 'Office 365 Security & Compliance',
      };
    default:
      return { ...base, ObjectId: `https://forms.office.com/${prng.alnum(12)}`, SourceApp: workload };
  }
}

function dlp(ctx: RecordContext, at: number): AuditRecord {
  const { prng, directory } = ctx;
  const user = prng.pick(directory.users);
  const workload = prng.weighted([
    ['Exchange', 4],
    ['SharePoint', 3],
    ['OneDrive', 2],
  ] as const);
  const rule = prng.pick(['U.S. Financial Data', 'EU GDPR – passport numbers', 'Credit card numbers']);
  const policy = {
    PolicyDetails: [
      {
        PolicyId: prng.guid(),
        PolicyName: rule,
        Rules: [
          {
            RuleId: prng.guid(),
            RuleName: `${rule} – high volume`,
            Actions: [prng.pick(['NotifyUser', 'BlockAccess', 'GenerateIncidentReport'])],
            Severity: prng.pick(['Low', 'Medium', 'High']),
            ConditionsMatched: {
              SensitiveInformation: [
                {
                  SensitiveInformationTypeName: prng.pick(['Credit Card Number', 'EU Passport Number']),
                  Count: prng.int(1, 40),
                  Confidence: prng.pick([75, 85]),
                },
              ],
            },
          },
        ],
      },
    ],
    SensitiveInfoDetectionIsIncluded: false,
  };
  if (workload === 'Exchange')
    return {
      ...common(ctx, at, user),
      Operation: 'DLPRuleMatch',
      RecordType: 13,
      UserType: 4,
      Workload: workload,
      ObjectId: `<${prng.alnum(20)}@prod.outlook.com>`,
      IncidentId: prng.guid(),
      ...policy,
      ExchangeMetaData: {
        From: user.userPrincipalName,
        To: ['partner@fabrikam.example'],
        Subject: 'Card numbers for refund',
        Sent: `${creationTime(at)}`,
        MessageID: `<${prng.alnum(20)}@prod.outlook.com>`,
      },
    };
  return {
    ...common(ctx, at, user),
    Operation: 'DLPRuleMatch',
    RecordType: 11,
    UserType: 4,
    Workload: workload,
    ObjectId: `https://contoso.sharepoint.com/sites/Finance/Shared Documents/cards-${prng.digits(3)}.xlsx`,
    IncidentId: prng.guid(),
    ...policy,
    SharePointMetaData: {
      From: user.userPrincipalName,
      FileName: `cards-${prng.digits(3)}.xlsx`,
      FilePathUrl: 'https://contoso.sharepoint.com/sites/Finance/Shared Documents',
      SiteCollectionUrl: 'https://contoso.sharepoint.com/sites/Finance',
      UniqueID: prng.guid(),
    },
  };
}

const GENERATORS: Readonly<Record<ContentType, (ctx: RecordContext, at: number) => AuditRecord>> = {
  'Audit.AzureActiveDirectory': azureActiveDirectory,
  'Audit.Exchange': exchange,
  'Audit.SharePoint': sharePoint,
  'Audit.General': general,
  'DLP.All': dlp,
};

export function auditRecord(contentType: ContentType, ctx: RecordContext, at: number): AuditRecord {
  return GENERATORS[contentType](ctx, at);
}
