// Login host, Management Activity API host and token scope per cloud, from one table so they always
// match (tokens are not interchangeable across clouds; docs/sources/office365-management-activity.md).

export const CLOUDS = {
  commercial: { login: 'https://login.microsoftonline.com', api: 'https://manage.office.com' },
  gcc: { login: 'https://login.microsoftonline.com', api: 'https://manage-gcc.office.com' },
  gcc_high: { login: 'https://login.microsoftonline.us', api: 'https://manage.office365.us' },
  dod: { login: 'https://login.microsoftonline.us', api: 'https://manage.protection.apps.mil' },
} as const;

export type CloudName = keyof typeof CLOUDS;
export const CLOUD_NAMES = Object.keys(CLOUDS) as CloudName[];

export interface FeedEndpoints {
  tokenUrl: string;
  /** `{api}/api/v1.0/{tenant}/activity/feed` */
  feedUrl: string;
  /** The token scope is the cloud's API host even when override_base_url points elsewhere. */
  scope: string;
}

export function feedEndpoints(input: {
  cloud: CloudName;
  override_base_url?: string;
  override_login_url?: string;
  credentials: { tenant_id: string };
}): FeedEndpoints {
  const cloud = CLOUDS[input.cloud];
  const api = (input.override_base_url ?? cloud.api).replace(/\/+$/, '');
  const login = (input.override_login_url ?? cloud.login).replace(/\/+$/, '');
  const tenant = encodeURIComponent(input.credentials.tenant_id);
  return {
    tokenUrl: `${login}/${tenant}/oauth2/v2.0/token`,
    feedUrl: `${api}/api/v1.0/${tenant}/activity/feed`,
    scope: `${cloud.api}/.default`,
  };
}
