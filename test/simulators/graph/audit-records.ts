// directoryAudit and provisioningObjectSummary records (docs/sources/microsoft-graph.md "Records").

import type { GraphRecord, RecordContext } from './record-context.ts';
import { randomIp, USER_AGENTS } from './tenant-directory.ts';

interface Activity {
  readonly name: string;
  readonly category: string;
  readonly operationType: string;
  readonly service: string;
  readonly target: 'User' | 'Group' | 'ServicePrincipal' | 'Policy' | 'Role';
}

const ACTIVITIES: readonly Activity[] = [
  {
    name: 'Add member to group',
    category: 'GroupManagement',
    operationType: 'Assign',
    service: 'Core Directory',
    target: 'Group',
  },
  {
    name: 'Update user',
    category: 'UserManagement',
    operationType: 'Update',
    service: 'Core Directory',
    target: 'User',
  },
  {
    name: 'Add user',
    category: 'UserManagement',
    operationType: 'Add',
    service: 'Core Directory',
    target: 'User',
  },
  {
    name: 'Delete user',
    category: 'UserManagement',
    operationType: 'Delete',
    service: 'Core Directory',
    target: 'User',
  },
  {
    name: 'Reset user password',
    category: 'UserManagement',
    operationType: 'Update',
    service: 'Self-service Password Management',
    target: 'User',
  },
  {
    name: 'User registered security info',
    category: 'UserManagement',
    operationType: 'Add',
    service: 'Authentication Methods',
    target: 'User',
  },
  {
    name: 'Consent to application',
    category: 'ApplicationManagement',
    operationType: 'Assign',
    service: 'Core Directory',
    target: 'ServicePrincipal',
  },
  {
    name: 'Add app role assignment to service principal',
    category: 'ApplicationManagement',
    operationType: 'Assign',
    service: 'Core Directory',
    target: 'ServicePrincipal',
  },
  {
    name: 'Update conditional access policy',
    category: 'Policy',
    operationType: 'Update',
    service: 'Conditional Access',
    target: 'Policy',
  },
  {
    name: 'Add member to role',
    category: 'RoleManagement',
    operationType: 'Assign',
    service: 'Core Directory',
    target: 'Role',
  },
];

const FAILURE_REASONS = [
  'Microsoft.Online.Workflows.ObjectAlreadyExistsException',
  'The user is not allowed to perform this operation.',
  'Request failed.\nInner error: directory object quota exceeded',
];

function targetResource(ctx: RecordContext, activity: Activity): Record<string, unknown> {
  const { prng, directory } = ctx;
  switch (activity.target) {
    case 'Group': {
      const group = prng.pick(directory.groups);
      return {
        id: group.id,
        displayName: group.displayName,
        type: 'Group',
        userPrincipalName: null,
        groupType: prng.pick(['unifiedGroups', 'azureAD']),
        modifiedProperties: [
          { displayName: 'Group.DisplayName', oldValue: null, newValue: JSON.stringify(group.displayName) },
        ],
      };
    }
    case 'User': {
      const user = prng.pick(directory.users);
      return {
        id: user.id,
        displayName: null,
        type: 'User',
        userPrincipalName: user.userPrincipalName,
        groupType: null,
        modifiedProperties: [
          {
            displayName: 'DisplayName',
            oldValue: JSON.stringify([user.userPrincipalName.split('@')[0]]),
            newValue: JSON.stringify([user.displayName]),
          },
        ],
      };
    }
    case 'ServicePrincipal': {
      const app = prng.pick(directory.apps);
      return {
        id: app.servicePrincipalId,
        displayName: app.displayName,
        type: 'ServicePrincipal',
        userPrincipalName: null,
        groupType: null,
        modifiedProperties: [
          { displayName: 'AppRole.Value', oldValue: null, newValue: JSON.stringify('AuditLog.Read.All') },
        ],
      };
    }
    case 'Policy':
      return {
        id: prng.guid(),
        displayName: 'Require MFA for admins',
        type: 'Policy',
        userPrincipalName: null,
        groupType: null,
        modifiedProperties: [
          {
            displayName: 'ConditionalAccessPolicy',
            oldValue: '{"state":"disabled"}',
            newValue: '{"state":"enabled"}',
          },
        ],
      };
    case 'Role':
      return {
        id: prng.guid(),
        displayName: prng.pick(['Global Administrator', 'Security Reader', 'User Administrator']),
        type: 'Role',
        userPrincipalName: null,
        groupType: null,
        modifiedProperties: [
          { displayName: 'Role.DisplayName', oldValue: null, newValue: '"Security Reader"' },
        ],
      };
  }
}

function initiatedBy(ctx: RecordContext): Record<string, unknown> {
  const { prng, directory } = ctx;
  if (prng.chance(0.25)) {
    const app = prng.pick(directory.apps);
    return {
      user: null,
      app: {
        appId: app.appId,
        displayName: app.displayName,
        servicePrincipalId: app.servicePrincipalId,
        servicePrincipalName: app.displayName,
      },
    };
  }
  const user = prng.pick(directory.users);
  return {
    user: {
      id: user.id,
      displayName: null,
      userPrincipalName: user.userPrincipalName,
      ipAddress: randomIp(prng),
      userType: null,
      homeTenantId: null,
      homeTenantName: null,
    },
    app: null,
  };
}

export function directoryAudit(ctx: RecordContext, activityDateTime: string): GraphRecord {
  const { prng, directory } = ctx;
  const activity = prng.pick(ACTIVITIES);
  const result = prng.weighted([
    ['success', 90],
    ['failure', 8],
    ['timeout', 1],
    ['unknownFutureValue', 1],
  ] as const);
  return {
    id: `Directory_${directory.tenantId}_${prng.alnum(5)}_${prng.digits(9)}`,
    category: activity.category,
    correlationId: prng.guid(),
    result,
    resultReason: result === 'failure' ? prng.pick(FAILURE_REASONS) : '',
    activityDisplayName: activity.name,
    activityDateTime,
    loggedByService: activity.service,
    operationType: activity.operationType,
    initiatedBy: initiatedBy(ctx),
    targetResources: [targetResource(ctx, activity)],
    additionalDetails: [
      { key: 'User-Agent', value: prng.pick(USER_AGENTS) },
      { key: 'ClientRequestId', value: prng.guid() },
    ],
  };
}

const STEP_TYPES = ['import', 'matching', 'processing', 'referenceResolution', 'export'] as const;

export function provisioningAudit(ctx: RecordContext, activityDateTime: string): GraphRecord {
  const { prng, directory } = ctx;
  const status = prng.weighted([
    ['success', 80],
    ['failure', 8],
    ['skipped', 10],
    ['warning', 2],
  ] as const);
  const user = prng.pick(directory.users);
  const targetSystem = prng.pick(['Amazon Web Services (AWS)', 'ServiceNow', 'Salesforce', 'Workday']);
  const servicePrincipalId = prng.guid();
  return {
    id: `${prng.alnum(8)}-${prng.guid()}`,
    activityDateTime,
    tenantId: directory.tenantId,
    jobId: `${targetSystem.split(' ')[0]?.toLowerCase()}.${prng.hex(32)}.${prng.guid()}`,
    cycleId: prng.guid(),
    changeId: prng.guid(),
    provisioningAction: prng.pick(['create', 'update', 'delete', 'disable', 'other']),
    durationInMilliseconds: prng.int(40, 9000),
    provisioningStatusInfo: {
      status,
      errorInformation:
        status === 'failure'
          ? {
              errorCode: 'EntryConflict',
              reason: `The "${user.userPrincipalName}" entry conflicts with an existing object.\nMatching attribute: userName`,
              errorCategory: 'nonServiceFailure',
              recommendedAction: null,
              additionalDetails: null,
            }
          : null,
    },
    provisioningSteps: STEP_TYPES.map((provisioningStepType, i) => ({
      name: [
        'EntryImport',
        'EntryMatching',
        'EntrySynchronizationScoping',
        'ReferenceResolution',
        'EntryExport',
      ][i],
      provisioningStepType,
      status: i === STEP_TYPES.length - 1 && status !== 'success' ? status : 'success',
      description: `Step ${i + 1} for user '${user.displayName}'`,
      details: {},
    })),
    modifiedProperties: [
      { displayName: 'displayName', oldValue: null, newValue: user.displayName },
      { displayName: 'accountEnabled', oldValue: null, newValue: 'True' },
    ],
    servicePrincipal: { id: servicePrincipalId, displayName: targetSystem },
    sourceSystem: { id: prng.guid(), displayName: 'Azure Active Directory', details: {} },
    targetSystem: { id: prng.guid(), displayName: targetSystem, details: { ApplicationId: prng.guid() } },
    initiatedBy: { id: '', displayName: 'Azure AD Provisioning Service', initiatorType: 'system' },
    sourceIdentity: {
      id: user.id,
      displayName: user.displayName,
      identityType: 'User',
      details: { UserPrincipalName: user.userPrincipalName },
    },
    targetIdentity: {
      id: prng.hex(24),
      displayName: user.displayName,
      identityType: 'User',
      details: {},
    },
  };
}
