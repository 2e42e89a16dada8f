import { defineEntity, type EntityDef, type FieldDef } from '../catalogue-types.js'

/**
 * Directory and token-state tables of the identity module (authorization server). None is exposed by
 * the MDE API (no entity sets). Conventions: tables are prefixed `idp_`; instants are `long` epoch
 * milliseconds (no time-zone semantics to differ between engines); lists/objects are JSON text in
 * `string` columns (parsed by src/identity/directory); secrets only ever appear as digests. Owned by
 * identity — see src/identity/CONTEXT.md.
 */
const s: FieldDef = { type: 'string' }
const sn: FieldDef = { type: 'string', nullable: true }
const ms: FieldDef = { type: 'long' }
const msn: FieldDef = { type: 'long', nullable: true }
const b: FieldDef = { type: 'bool' }
const i: FieldDef = { type: 'int' }
const secret: FieldDef = { type: 'string', nullable: true, internal: true }

export const directoryEntities: readonly EntityDef[] = [
  defineEntity({
    name: 'DirectoryTenant',
    table: 'idp_tenants',
    key: ['id'],
    fields: {
      id: s,
      displayName: s,
      defaultDomain: s,
      isSystem: { type: 'bool', default: 'false' },
      createdAt: ms,
    },
  }),
  defineEntity({
    name: 'DirectoryTenantDomain',
    table: 'idp_tenant_domains',
    key: ['domain'],
    fields: { domain: s, tenantId: s },
  }),
  defineEntity({
    name: 'DirectoryApplication',
    table: 'idp_applications',
    key: ['appId'],
    indexes: [['tenantId']],
    fields: {
      appId: s,
      tenantId: s,
      objectId: s,
      servicePrincipalId: s,
      displayName: s,
      publicClient: b,
      enabled: b,
      allowPasswordGrant: b,
      redirectUris: { type: 'string', description: 'JSON array of redirect URIs' },
      requiredPermissions: {
        type: 'string',
        description: 'JSON {resourceAppId: {application[], delegated[]}}',
      },
      createdAt: ms,
    },
  }),
  defineEntity({
    name: 'DirectoryAppCredential',
    table: 'idp_app_credentials',
    key: ['id'],
    indexes: [['appId']],
    fields: {
      id: s,
      tenantId: s,
      appId: s,
      kind: { type: 'enum', values: ['secret', 'certificate'] },
      displayName: s,
      hint: sn,
      salt: secret,
      secretHash: secret,
      thumbprintSha1: sn,
      thumbprintSha256: sn,
      certificatePem: sn,
      expiresAt: ms,
      createdAt: ms,
    },
  }),
  defineEntity({
    name: 'DirectoryAppRoleAssignment',
    table: 'idp_app_role_assignments',
    key: ['appId', 'resourceAppId', 'permission'],
    fields: { tenantId: s, appId: s, resourceAppId: s, permission: s, createdAt: ms },
  }),
  defineEntity({
    name: 'DirectoryDelegatedGrant',
    table: 'idp_delegated_grants',
    key: ['clientAppId', 'resourceAppId', 'principalId', 'scope'],
    fields: { tenantId: s, clientAppId: s, resourceAppId: s, principalId: s, scope: s, createdAt: ms },
  }),
  defineEntity({
    name: 'DirectoryUser',
    table: 'idp_users',
    // The UPN is the primary key so it is unique across tenants; `id` (the object id) is indexed.
    key: ['userPrincipalName'],
    indexes: [['id'], ['tenantId']],
    fields: {
      id: s,
      tenantId: s,
      userPrincipalName: s,
      displayName: s,
      givenName: sn,
      surname: sn,
      passwordHash: { type: 'string', internal: true },
      enabled: b,
      createdAt: ms,
    },
  }),
  defineEntity({
    name: 'DirectoryRbacRole',
    table: 'idp_rbac_roles',
    key: ['tenantId', 'id'],
    fields: {
      tenantId: s,
      id: i,
      name: s,
      description: s,
      permissions: { type: 'string', description: 'JSON array of RBAC_PERMISSIONS' },
      allDeviceGroups: b,
      createdAt: ms,
    },
  }),
  defineEntity({
    name: 'DirectoryUserRole',
    table: 'idp_user_roles',
    key: ['tenantId', 'userId', 'roleId'],
    fields: { tenantId: s, userId: s, roleId: i },
  }),
  defineEntity({
    name: 'DirectoryDeviceGroup',
    table: 'idp_device_groups',
    key: ['tenantId', 'id'],
    fields: {
      tenantId: s,
      id: i,
      name: s,
      description: s,
      rank: { type: 'long' },
      rules: { type: 'string', description: 'JSON DeviceGroupRules' },
      remediationLevel: s,
      createdAt: ms,
    },
  }),
  defineEntity({
    name: 'DirectoryRoleDeviceGroup',
    table: 'idp_role_device_groups',
    key: ['tenantId', 'roleId', 'deviceGroupId'],
    fields: { tenantId: s, roleId: i, deviceGroupId: i },
  }),
  defineEntity({
    name: 'DirectorySetting',
    table: 'idp_settings',
    key: ['key'],
    fields: { key: s, value: s },
  }),
  defineEntity({
    name: 'IdpSigningKey',
    table: 'idp_signing_keys',
    key: ['slot'],
    fields: {
      slot: { type: 'long' },
      kid: s,
      privateKeyPem: { type: 'string', internal: true },
      certificateDer: s,
      createdAt: ms,
    },
  }),
  defineEntity({
    name: 'IdpAuthCode',
    table: 'idp_auth_codes',
    key: ['codeHash'],
    fields: {
      codeHash: s,
      tenantId: s,
      clientId: s,
      userId: s,
      redirectUri: s,
      grant: { type: 'string', description: 'JSON GrantContext' },
      codeChallenge: sn,
      codeChallengeMethod: sn,
      nonce: sn,
      familyId: s,
      createdAt: ms,
      expiresAt: ms,
      usedAt: msn,
    },
  }),
  defineEntity({
    name: 'IdpRefreshToken',
    table: 'idp_refresh_tokens',
    key: ['tokenHash'],
    indexes: [['familyId'], ['userId']],
    fields: {
      tokenHash: s,
      familyId: s,
      tenantId: s,
      clientId: s,
      userId: s,
      createdAt: ms,
      expiresAt: ms,
      idleExpiresAt: ms,
      usedAt: msn,
      revokedAt: msn,
    },
  }),
  defineEntity({
    name: 'IdpRevokedFamily',
    table: 'idp_revoked_families',
    key: ['familyId'],
    fields: { familyId: s, reason: s, revokedAt: ms },
  }),
  defineEntity({
    name: 'IdpDeviceCode',
    table: 'idp_device_codes',
    // The user code is the primary key (unique while stored); the device code digest is indexed.
    key: ['userCode'],
    indexes: [['deviceCodeHash']],
    fields: {
      deviceCodeHash: s,
      userCode: s,
      tenantRef: s,
      clientId: s,
      request: { type: 'string', description: 'JSON {scope, resource, endpoint}' },
      status: { type: 'enum', values: ['pending', 'approved', 'declined', 'redeemed'] },
      userId: sn,
      tenantId: sn,
      failedEntries: i,
      createdAt: ms,
      expiresAt: ms,
    },
  }),
  defineEntity({
    name: 'IdpSession',
    table: 'idp_sessions',
    key: ['idHash'],
    fields: { idHash: s, tenantId: s, userId: s, createdAt: ms, expiresAt: ms, revokedAt: msn },
  }),
  defineEntity({
    name: 'IdpInteraction',
    table: 'idp_interactions',
    key: ['id'],
    fields: {
      id: s,
      csrfHash: s,
      request: { type: 'string', description: 'JSON InteractionRequest' },
      createdAt: ms,
      expiresAt: ms,
    },
  }),
  defineEntity({
    name: 'IdpAuditEvent',
    table: 'idp_audit_events',
    key: ['id'],
    indexes: [['tenantId', 'at']],
    fields: {
      id: s,
      tenantId: sn,
      at: ms,
      kind: s,
      outcome: s,
      actor: sn,
      target: sn,
      code: sn,
      correlationId: sn,
      ip: sn,
      details: { type: 'string', nullable: true, description: 'JSON object' },
    },
  }),
  defineEntity({
    name: 'IdpFailureCounter',
    table: 'idp_failure_counters',
    key: ['key'],
    fields: { key: s, windowStart: ms, count: i, lockedUntil: ms },
  }),
]
