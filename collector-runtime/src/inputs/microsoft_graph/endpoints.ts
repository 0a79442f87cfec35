// Login host, Graph host and token scope come from one table so they always match the same cloud
// (docs/sources/microsoft-graph.md: tokens are not interchangeable across clouds).
import type { GraphInput } from './settings.ts';

const CLOUDS = {
  com: { login: 'https://login.microsoftonline.com/', graph: 'https://graph.microsoft.com' },
  us: { login: 'https://login.microsoftonline.us/', graph: 'https://graph.microsoft.us' },
} as const;

export interface GraphEndpoints {
  tokenUrl: string;
  baseUrl: string;
  scope: string;
}

export function graphEndpoints(input: GraphInput): GraphEndpoints {
  const cloud = CLOUDS[input.override_top_level_domain];
  const baseUrl = (input.override_base_url ?? cloud.graph).replace(/\/+$/, '');
  const login = (input.override_login_url ?? cloud.login).replace(/\/*$/, '/');
  const scope = input.override_scope_value ?? `${cloud.graph}/.default`;
  const tenant = encodeURIComponent(input.credentials.tenant_id);
  return { tokenUrl: `${login}${tenant}/oauth2/v2.0/token`, baseUrl, scope };
}
