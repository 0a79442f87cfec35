// signIn records (docs/sources/microsoft-graph.md "Records"). One store backs both endpoints: beta serves the full record,
// v1.0 serves a projection without the beta-only properties and only interactive sign-ins.

import type { GraphRecord, RecordContext } from './record-context.ts';
import { randomIp } from './tenant-directory.ts';

export type SignInEventType =
  'interactiveUser' | 'nonInteractiveUser' | 'servicePrincipal' | 'managedIdentity' | 'unknownFutureValue';

const EVENT_TYPE_WEIGHTS: readonly (readonly [SignInEventType, number])[] = [
  ['interactiveUser', 45],
  ['nonInteractiveUser', 35],
  ['servicePrincipal', 12],
  ['managedIdentity', 7],
  ['unknownFutureValue', 1],
];

const STATUSES: readonly (readonly [
  { errorCode: number; failureReason: string | null; additionalDetails: string | null },
  number,
])[] = [
  [
    {
      errorCode: 0,
      failureReason: null,
      additionalDetails: 'MFA requirement satisfied by claim in the token',
    },
    70,
  ],
  [{ errorCode: 0, failureReason: null, additionalDetails: null }, 10],
  [
    {
      errorCode: 50126,
      failureReason: 'Error validating credentials due to invalid username or password.',
      additionalDetails:
        "The user didn't enter the right credentials. It's expected to see some number of these errors in your logs due to users making mistakes.",
    },
    8,
  ],
  [{ errorCode: 50074, failureReason: 'Strong Authentication is required.', additionalDetails: null }, 5],
  [
    {
      errorCode: 50140,
      failureReason: "This error occurred due to 'Keep me signed in' interrupt when the user was signing in.",
      additionalDetails: null,
    },
    4,
  ],
  [
    {
      errorCode: 53003,
      failureReason:
        'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
      additionalDetails: null,
    },
    3,
  ],
];

// Properties the v1.0 signIn type has; everything else in a stored record is beta-only.
const V1_PROPERTIES = [
  'id',
  'createdDateTime',
  'userDisplayName',
  'userPrincipalName',
  'userId',
  'appId',
  'appDisplayName',
  'ipAddress',
  'clientAppUsed',
  'correlationId',
  'conditionalAccessStatus',
  'isInteractive',
  'riskDetail',
  'riskLevelAggregated',
  'riskLevelDuringSignIn',
  'riskState',
  'riskEventTypes',
  'riskEventTypes_v2',
  'resourceDisplayName',
  'resourceId',
  'status',
  'deviceDetail',
  'location',
  'appliedConditionalAccessPolicies',
] as const;

export function signIn(ctx: RecordContext, createdDateTime: string, interactiveOnly: boolean): GraphRecord {
  const { prng, directory } = ctx;
  const eventType: SignInEventType = interactiveOnly ? 'interactiveUser' : prng.weighted(EVENT_TYPE_WEIGHTS);
  const byUser = eventType === 'interactiveUser' || eventType === 'nonInteractiveUser';
  const user = prng.pick(directory.users);
  const app = prng.pick(directory.apps);
  const resource = prng.pick(directory.apps);
  const place = prng.pick(directory.locations);
  const status = prng.weighted(STATUSES);
  const risky = prng.chance(0.05);
  const mfa = prng.chance(0.6);
  const os = prng.pick(['Windows 10', 'Windows 11', 'MacOs', 'Ios', 'Android', 'Linux']);
  return {
    id: prng.guid(),
    createdDateTime,
    userDisplayName: byUser ? user.displayName : null,
    userPrincipalName: byUser ? user.userPrincipalName : null,
    userId: byUser ? user.id : '',
    appId: app.appId,
    appDisplayName: app.displayName,
    ipAddress: randomIp(prng),
    clientAppUsed: byUser
      ? prng.pick(['Browser', 'Mobile Apps and Desktop clients', 'Exchange ActiveSync'])
      : '',
    correlationId: prng.guid(),
    conditionalAccessStatus: prng.pick(['success', 'notApplied', 'failure']),
    isInteractive: eventType === 'interactiveUser',
    riskDetail: 'none',
    riskLevelAggregated: risky ? 'medium' : 'none',
    riskLevelDuringSignIn: risky ? 'medium' : 'none',
    riskState: risky ? 'atRisk' : 'none',
    riskEventTypes: risky ? ['unfamiliarFeatures'] : [],
    riskEventTypes_v2: risky ? ['unfamiliarFeatures'] : [],
    resourceDisplayName: resource.displayName,
    resourceId: resource.appId,
    status,
    deviceDetail: {
      deviceId: prng.chance(0.4) ? prng.guid() : '',
      displayName: prng.chance(0.4) ? `DESKTOP-${prng.alnum(7)}` : null,
      operatingSystem: byUser ? os : '',
      browser: byUser
        ? prng.pick(['Edge 124.0.0', 'Chrome 124.0.0', 'Safari 17.4', 'Rich Client 5.2.0.0'])
        : '',
      isCompliant: prng.chance(0.5),
      isManaged: prng.chance(0.5),
      trustType: prng.pick([null, 'Azure AD joined', 'Hybrid Azure AD joined']),
    },
    location: {
      city: place.city,
      state: place.state,
      countryOrRegion: place.countryOrRegion,
      geoCoordinates: { altitude: null, latitude: place.latitude, longitude: place.longitude },
    },
    appliedConditionalAccessPolicies: [
      {
        id: prng.guid(),
        displayName: 'Require MFA – all users',
        enforcedGrantControls: ['Mfa'],
        enforcedSessionControls: [],
        result: mfa ? 'success' : 'notApplied',
      },
    ],
    // beta-only from here on
    signInEventTypes: [eventType],
    authenticationRequirement: mfa ? 'multiFactorAuthentication' : 'singleFactorAuthentication',
    authenticationDetails: byUser
      ? [
          {
            authenticationStepDateTime: createdDateTime,
            authenticationMethod: mfa ? 'Mobile app notification' : 'Password',
            authenticationMethodDetail: mfa ? null : 'Password in the cloud',
            succeeded: status.errorCode === 0,
            authenticationStepResultDetail:
              status.errorCode === 0 ? 'MFA successfully completed' : 'Invalid password',
            authenticationStepRequirement: mfa ? 'Multi-factor authentication' : 'Primary authentication',
          },
        ]
      : [],
    userType: byUser ? user.userType : null,
    crossTenantAccessType: user.userType === 'guest' ? 'b2bCollaboration' : 'none',
    uniqueTokenIdentifier: Buffer.from(prng.hex(32), 'hex').toString('base64url').slice(0, 22),
    servicePrincipalId: byUser ? '' : app.servicePrincipalId,
    servicePrincipalName: byUser ? null : app.displayName,
    managedIdentityType: eventType === 'managedIdentity' ? 'systemAssigned' : 'none',
    autonomousSystemNumber: prng.pick([8075, 3320, 15169, 16509, 2856]),
    incomingTokenType: eventType === 'nonInteractiveUser' ? 'primaryRefreshToken' : 'none',
    tokenIssuerType: 'AzureAD',
    processingTimeInMilliseconds: prng.int(20, 900),
  };
}

export function isInteractiveSignIn(record: GraphRecord): boolean {
  const types = record['signInEventTypes'];
  return Array.isArray(types) && types.includes('interactiveUser');
}

const v1Views = new WeakMap<GraphRecord, GraphRecord>();

/** The record as the v1.0 endpoint serves it (cached, so repeated reads return the same object). */
export function v1SignIn(record: GraphRecord): GraphRecord {
  let view = v1Views.get(record);
  if (view === undefined) {
    view = { id: record.id };
    for (const key of V1_PROPERTIES) if (key !== 'id') view[key] = record[key];
    v1Views.set(record, view);
  }
  return view;
}
