// The simulated tenant's people, apps, groups and places that generated records refer to.
// Names deliberately include non-ASCII letters, apostrophes and double quotes.

import type { Prng } from '../../support/prng.ts';

export interface DirectoryUser {
  readonly id: string;
  readonly displayName: string;
  readonly userPrincipalName: string;
  readonly userType: 'member' | 'guest';
}

export interface DirectoryApp {
  readonly appId: string;
  readonly displayName: string;
  readonly servicePrincipalId: string;
}

export interface DirectoryGroup {
  readonly id: string;
  readonly displayName: string;
}

export interface SignInLocation {
  readonly city: string;
  readonly state: string;
  readonly countryOrRegion: string;
  readonly latitude: number;
  readonly longitude: number;
}

export interface TenantDirectory {
  readonly tenantId: string;
  readonly domain: string;
  readonly users: readonly DirectoryUser[];
  readonly apps: readonly DirectoryApp[];
  readonly groups: readonly DirectoryGroup[];
  readonly locations: readonly SignInLocation[];
}

const PEOPLE: readonly (readonly [string, string])[] = [
  ['Alice Smith', 'alice.smith'],
  ['Zoë Ångström', 'zoe.angstrom'],
  ["Seán O'Brien", 'sean.obrien'],
  ['José Müller', 'jose.muller'],
  ['李雷', 'li.lei'],
  ['Ana "Ani" Ruiz', 'ana.ruiz'],
  ['Bjørn Kjærgaard', 'bjorn.kjaergaard'],
  ['Admin – Break Glass', 'breakglass'],
  ['Chloé Lefèvre', 'chloe.lefevre'],
  ['Priya Natarajan', 'priya.natarajan'],
  ['Oleksandr Шевченко', 'oleksandr.shevchenko'],
  ['Guest Partner', 'partner_fabrikam.com#EXT#'],
];

// Real first-party application ids, so records look like the ones collectors meet in production.
const APPS: readonly (readonly [string, string])[] = [
  ['00000002-0000-0ff1-ce00-000000000000', 'Office 365 Exchange Online'],
  ['00000003-0000-0ff1-ce00-000000000000', 'Office 365 SharePoint Online'],
  ['1fec8e78-bce4-4aaf-ab1b-5451cc387264', 'Microsoft Teams'],
  ['c44b4083-3bb0-49c1-b47d-974e53cbdf3c', 'Azure Portal'],
  ['d3590ed6-52b3-4102-aeff-aad2292ab01c', 'Microsoft Office'],
  ['14d82eec-204b-4c2f-b7e8-296a70dab67e', 'Microsoft Graph Command Line Tools'],
  ['04b07795-8ddb-461a-bbee-02f9e1bf7b46', 'Microsoft Azure CLI'],
  ['29d9ed98-a469-4536-ade2-f981bc1d605e', 'Microsoft Authentication Broker'],
];

const GROUPS = ['Finance', 'R&D – Zürich', 'Sales "EMEA"', 'Helpdesk Tier 1', 'All Employees'];

const LOCATIONS: readonly SignInLocation[] = [
  { city: 'Redmond', state: 'Washington', countryOrRegion: 'US', latitude: 47.68, longitude: -122.12 },
  { city: 'London', state: 'England', countryOrRegion: 'GB', latitude: 51.51, longitude: -0.13 },
  { city: 'Berlin', state: 'Berlin', countryOrRegion: 'DE', latitude: 52.52, longitude: 13.4 },
  { city: 'São Paulo', state: 'São Paulo', countryOrRegion: 'BR', latitude: -23.55, longitude: -46.63 },
  { city: 'Tokyo', state: 'Tokyo', countryOrRegion: 'JP', latitude: 35.68, longitude: 139.69 },
  { city: 'Madrid', state: 'Madrid', countryOrRegion: 'ES', latitude: 40.42, longitude: -3.7 },
  { city: 'Sydney', state: 'New South Wales', countryOrRegion: 'AU', latitude: -33.87, longitude: 151.21 },
];

export const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17531; Pro)',
  'python-requests/2.31.0',
] as const;

export function buildTenantDirectory(tenantId: string, prng: Prng): TenantDirectory {
  const domain = 'contoso.onmicrosoft.com';
  return {
    tenantId,
    domain,
    users: PEOPLE.map(([displayName, alias]) => ({
      id: prng.guid(),
      displayName,
      userPrincipalName: `${alias}@${domain}`,
      userType: alias.includes('#EXT#') ? 'guest' : 'member',
    })),
    apps: APPS.map(([appId, displayName]) => ({ appId, displayName, servicePrincipalId: prng.guid() })),
    groups: GROUPS.map((displayName) => ({ id: prng.guid(), displayName })),
    locations: LOCATIONS,
  };
}

/** Documentation-range addresses (RFC 5737 / RFC 3849), so nothing real is ever referenced. */
export function randomIp(prng: Prng): string {
  if (prng.chance(0.1)) return `2001:db8:${prng.hex(4)}::${prng.hex(4)}`;
  const net = prng.pick(['192.0.2', '198.51.100', '203.0.113']);
  return `${net}.${prng.int(1, 255)}`;
}
