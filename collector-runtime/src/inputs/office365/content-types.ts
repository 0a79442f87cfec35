// The content services: which content type each reads and how its records are tagged. Every service
// tags by the record's Workload (SharePoint and OneDrive records of Audit.SharePoint go to their own
// tables, Audit.General and DLP.All to the table of whichever workload produced them).

export const TAG_BASE = 'cloud.office365.management';

export interface ContentService {
  readonly contentType: string;
  /** Tag for a record without a usable Workload. */
  readonly fallbackTag: string;
  /** The tags this service writes in practice (docs and validation messages). */
  readonly tags: readonly string[];
  readonly description: string;
}

const tag = (suffix: string) => `${TAG_BASE}.${suffix}`;

export const CONTENT_SERVICES: Readonly<Record<string, ContentService>> = {
  azure_active_directory: {
    contentType: 'Audit.AzureActiveDirectory',
    fallbackTag: tag('azureactivedirectory'),
    tags: [tag('azureactivedirectory')],
    description: 'Entra ID (Azure AD) audit and sign-in records (Audit.AzureActiveDirectory)',
  },
  sharepoint: {
    contentType: 'Audit.SharePoint',
    fallbackTag: tag('sharepoint'),
    tags: [tag('sharepoint'), tag('onedrive')],
    description: 'SharePoint and OneDrive records, tagged by workload (Audit.SharePoint)',
  },
  exchange: {
    contentType: 'Audit.Exchange',
    fallbackTag: tag('exchange'),
    tags: [tag('exchange')],
    description: 'Exchange admin and mailbox records (Audit.Exchange)',
  },
  general_audit: {
    contentType: 'Audit.General',
    fallbackTag: tag('general'),
    tags: ['microsoftteams', 'powerbi', 'threatintelligence', 'securitycompliancecenter', 'general'].map(tag),
    description:
      'Every other workload (Teams, Power BI, Defender, Forms, …), tagged by workload (Audit.General)',
  },
  dlp: {
    contentType: 'DLP.All',
    fallbackTag: tag('dlp'),
    tags: [tag('exchange'), tag('sharepoint'), tag('onedrive')],
    description:
      'Data loss prevention events of every workload, tagged by workload (DLP.All; needs ActivityFeed.ReadDlp)',
  },
};

/** `cloud.office365.management.<workload in lower case>`, e.g. MicrosoftTeams → …microsoftteams. */
export function workloadTag(record: Record<string, unknown>, fallback: string): string {
  const workload =
    typeof record.Workload === 'string' ? record.Workload.toLowerCase().replace(/[^a-z0-9]/g, '') : '';
  return workload ? tag(workload) : fallback;
}
