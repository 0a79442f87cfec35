// Test-side helpers for talking to the Graph simulator over real HTTP.

import type { GraphRecord, GraphSimulator, SimClock } from './server.ts';
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET, SIM_TENANT_ID } from './server.ts';

/** A clock the test moves by hand, so time-based behaviour needs no sleeping. */
export interface ManualClock extends SimClock {
  advance(ms: number): void;
  set(ms: number): void;
}

export function manualClock(start = Date.UTC(2024, 4, 1, 12)): ManualClock {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    set: (ms) => {
      now = ms;
    },
  };
}

export async function tokenRequest(
  sim: GraphSimulator,
  form: Record<string, string>,
  options: { version?: 'v1' | 'v2'; tenant?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const path = options.version === 'v1' ? 'oauth2/token' : 'oauth2/v2.0/token';
  const res = await fetch(`${sim.url}/${options.tenant ?? SIM_TENANT_ID}/${path}`, {
    method: 'POST',
    headers: options.headers ?? {},
    body: new URLSearchParams(form),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

export const GOOD_FORM = {
  grant_type: 'client_credentials',
  client_id: SIM_CLIENT_ID,
  client_secret: SIM_CLIENT_SECRET,
  scope: 'https://graph.microsoft.com/.default',
};

export async function getToken(sim: GraphSimulator): Promise<string> {
  const { status, body } = await tokenRequest(sim, GOOD_FORM);
  if (status !== 200 || typeof body['access_token'] !== 'string')
    throw new Error(`token request failed: ${status}`);
  return body['access_token'];
}

export interface GraphResponse {
  status: number;
  headers: Headers;
  body: {
    value?: GraphRecord[];
    '@odata.nextLink'?: string;
    '@odata.context'?: string;
    '@odata.count'?: number;
    error?: { code: string; message: string; innerError?: Record<string, string> };
  };
}

/** GET a path (relative to the simulator) or a full URL such as a nextLink. */
export async function graphGet(
  sim: GraphSimulator,
  pathOrUrl: string,
  token: string,
): Promise<GraphResponse> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${sim.url}${pathOrUrl}`;
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  return { status: res.status, headers: res.headers, body: (await res.json()) as GraphResponse['body'] };
}

/** Follows `@odata.nextLink` verbatim until it is absent; every page must be 200 or 206. */
export async function collectAll(
  sim: GraphSimulator,
  first: string,
  token: string,
): Promise<{ records: GraphRecord[]; pages: GraphResponse[] }> {
  const records: GraphRecord[] = [];
  const pages: GraphResponse[] = [];
  let next: string | undefined = first;
  while (next !== undefined) {
    const page = await graphGet(sim, next, token);
    if (page.status !== 200 && page.status !== 206)
      throw new Error(`page failed: ${page.status} ${JSON.stringify(page.body)}`);
    pages.push(page);
    records.push(...(page.body.value ?? []));
    next = page.body['@odata.nextLink'];
    if (pages.length > 10_000) throw new Error('paging did not terminate');
  }
  return { records, pages };
}

/** `$filter` window in the form collectors send: ISO literals, unquoted, with Z. */
export function windowFilter(field: string, from: number, to: number): string {
  return `${field} ge ${new Date(from).toISOString()} and ${field} lt ${new Date(to).toISOString()}`;
}

export function query(path: string, options: Record<string, string | number>): string {
  const parts = Object.entries(options).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
  return `${path}?${parts.join('&')}`;
}

export const ids = (records: readonly GraphRecord[]): string[] => records.map((r) => r.id);
