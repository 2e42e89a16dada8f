import type { Migration } from '../store/migrations.js'

/**
 * Directory and token-state tables. Hand-written until the catalogue generator covers the directory
 * (see CONTEXT.md). Portable SQL only: VARCHAR/BIGINT/INTEGER/BOOLEAN, instants as BIGINT epoch
 * milliseconds (no time-zone semantics to differ between DuckDB and PostgreSQL), lists/objects as JSON
 * text. Every table is prefixed `idp_` so it cannot collide with MDE entity tables.
 */
const directory = `
CREATE TABLE idp_tenants (
  "id" VARCHAR PRIMARY KEY,
  "displayName" VARCHAR NOT NULL,
  "defaultDomain" VARCHAR NOT NULL,
  "isSystem" BOOLEAN NOT NULL DEFAULT false,
  "createdAt" BIGINT NOT NULL
);
CREATE TABLE idp_tenant_domains (
  "domain" VARCHAR PRIMARY KEY,
  "tenantId" VARCHAR NOT NULL
);
CREATE TABLE idp_applications (
  "appId" VARCHAR PRIMARY KEY,
  "tenantId" VARCHAR NOT NULL,
  "objectId" VARCHAR NOT NULL,
  "servicePrincipalId" VARCHAR NOT NULL,
  "displayName" VARCHAR NOT NULL,
  "publicClient" BOOLEAN NOT NULL,
  "enabled" BOOLEAN NOT NULL,
  "allowPasswordGrant" BOOLEAN NOT NULL,
  "redirectUris" VARCHAR NOT NULL,
  "requiredPermissions" VARCHAR NOT NULL,
  "createdAt" BIGINT NOT NULL
);
CREATE INDEX idp_applications_tenant ON idp_applications ("tenantId");
CREATE TABLE idp_app_credentials (
  "id" VARCHAR PRIMARY KEY,
  "tenantId" VARCHAR NOT NULL,
  "appId" VARCHAR NOT NULL,
  "kind" VARCHAR NOT NULL,
  "displayName" VARCHAR NOT NULL,
  "hint" VARCHAR,
  "salt" VARCHAR,
  "secretHash" VARCHAR,
  "thumbprintSha1" VARCHAR,
  "thumbprintSha256" VARCHAR,
  "certificatePem" VARCHAR,
  "expiresAt" BIGINT NOT NULL,
  "createdAt" BIGINT NOT NULL
);
CREATE INDEX idp_app_credentials_app ON idp_app_credentials ("appId");
CREATE TABLE idp_app_role_assignments (
  "tenantId" VARCHAR NOT NULL,
  "appId" VARCHAR NOT NULL,
  "resourceAppId" VARCHAR NOT NULL,
  "permission" VARCHAR NOT NULL,
  "createdAt" BIGINT NOT NULL,
  PRIMARY KEY ("appId", "resourceAppId", "permission")
);
CREATE TABLE idp_delegated_grants (
  "tenantId" VARCHAR NOT NULL,
  "clientAppId" VARCHAR NOT NULL,
  "resourceAppId" VARCHAR NOT NULL,
  "principalId" VARCHAR NOT NULL,
  "scope" VARCHAR NOT NULL,
  "createdAt" BIGINT NOT NULL,
  PRIMARY KEY ("clientAppId", "resourceAppId", "principalId", "scope")
);
CREATE TABLE idp_users (
  "id" VARCHAR PRIMARY KEY,
  "tenantId" VARCHAR NOT NULL,
  "userPrincipalName" VARCHAR NOT NULL UNIQUE,
  "displayName" VARCHAR NOT NULL,
  "givenName" VARCHAR,
  "surname" VARCHAR,
  "passwordHash" VARCHAR NOT NULL,
  "enabled" BOOLEAN NOT NULL,
  "createdAt" BIGINT NOT NULL
);
CREATE INDEX idp_users_tenant ON idp_users ("tenantId");
CREATE TABLE idp_rbac_roles (
  "tenantId" VARCHAR NOT NULL,
  "id" INTEGER NOT NULL,
  "name" VARCHAR NOT NULL,
  "description" VARCHAR NOT NULL,
  "permissions" VARCHAR NOT NULL,
  "allDeviceGroups" BOOLEAN NOT NULL,
  "createdAt" BIGINT NOT NULL,
  PRIMARY KEY ("tenantId", "id")
);
CREATE TABLE idp_user_roles (
  "tenantId" VARCHAR NOT NULL,
  "userId" VARCHAR NOT NULL,
  "roleId" INTEGER NOT NULL,
  PRIMARY KEY ("tenantId", "userId", "roleId")
);
CREATE TABLE idp_device_groups (
  "tenantId" VARCHAR NOT NULL,
  "id" INTEGER NOT NULL,
  "name" VARCHAR NOT NULL,
  "description" VARCHAR NOT NULL,
  "rank" BIGINT NOT NULL,
  "rules" VARCHAR NOT NULL,
  "remediationLevel" VARCHAR NOT NULL,
  "createdAt" BIGINT NOT NULL,
  PRIMARY KEY ("tenantId", "id")
);
CREATE TABLE idp_role_device_groups (
  "tenantId" VARCHAR NOT NULL,
  "roleId" INTEGER NOT NULL,
  "deviceGroupId" INTEGER NOT NULL,
  PRIMARY KEY ("tenantId", "roleId", "deviceGroupId")
);
CREATE TABLE idp_settings (
  "key" VARCHAR PRIMARY KEY,
  "value" VARCHAR NOT NULL
)
`

const tokens = `
CREATE TABLE idp_signing_keys (
  "slot" BIGINT PRIMARY KEY,
  "kid" VARCHAR NOT NULL,
  "privateKeyPem" VARCHAR NOT NULL,
  "certificateDer" VARCHAR NOT NULL,
  "createdAt" BIGINT NOT NULL
);
CREATE TABLE idp_auth_codes (
  "codeHash" VARCHAR PRIMARY KEY,
  "tenantId" VARCHAR NOT NULL,
  "clientId" VARCHAR NOT NULL,
  "userId" VARCHAR NOT NULL,
  "redirectUri" VARCHAR NOT NULL,
  "grant" VARCHAR NOT NULL,
  "codeChallenge" VARCHAR,
  "codeChallengeMethod" VARCHAR,
  "nonce" VARCHAR,
  "familyId" VARCHAR NOT NULL,
  "createdAt" BIGINT NOT NULL,
  "expiresAt" BIGINT NOT NULL,
  "usedAt" BIGINT
);
CREATE TABLE idp_refresh_tokens (
  "tokenHash" VARCHAR PRIMARY KEY,
  "familyId" VARCHAR NOT NULL,
  "tenantId" VARCHAR NOT NULL,
  "clientId" VARCHAR NOT NULL,
  "userId" VARCHAR NOT NULL,
  "createdAt" BIGINT NOT NULL,
  "expiresAt" BIGINT NOT NULL,
  "idleExpiresAt" BIGINT NOT NULL,
  "usedAt" BIGINT,
  "revokedAt" BIGINT
);
CREATE INDEX idp_refresh_tokens_family ON idp_refresh_tokens ("familyId");
CREATE TABLE idp_revoked_families (
  "familyId" VARCHAR PRIMARY KEY,
  "reason" VARCHAR NOT NULL,
  "revokedAt" BIGINT NOT NULL
);
CREATE TABLE idp_device_codes (
  "deviceCodeHash" VARCHAR PRIMARY KEY,
  "userCode" VARCHAR NOT NULL UNIQUE,
  "tenantRef" VARCHAR NOT NULL,
  "clientId" VARCHAR NOT NULL,
  "request" VARCHAR NOT NULL,
  "status" VARCHAR NOT NULL,
  "userId" VARCHAR,
  "tenantId" VARCHAR,
  "failedEntries" INTEGER NOT NULL,
  "createdAt" BIGINT NOT NULL,
  "expiresAt" BIGINT NOT NULL
);
CREATE TABLE idp_sessions (
  "idHash" VARCHAR PRIMARY KEY,
  "tenantId" VARCHAR NOT NULL,
  "userId" VARCHAR NOT NULL,
  "createdAt" BIGINT NOT NULL,
  "expiresAt" BIGINT NOT NULL,
  "revokedAt" BIGINT
);
CREATE TABLE idp_interactions (
  "id" VARCHAR PRIMARY KEY,
  "csrfHash" VARCHAR NOT NULL,
  "request" VARCHAR NOT NULL,
  "createdAt" BIGINT NOT NULL,
  "expiresAt" BIGINT NOT NULL
);
CREATE TABLE idp_audit_events (
  "id" VARCHAR PRIMARY KEY,
  "tenantId" VARCHAR,
  "at" BIGINT NOT NULL,
  "kind" VARCHAR NOT NULL,
  "outcome" VARCHAR NOT NULL,
  "actor" VARCHAR,
  "target" VARCHAR,
  "code" VARCHAR,
  "correlationId" VARCHAR,
  "ip" VARCHAR,
  "details" VARCHAR
);
CREATE INDEX idp_audit_events_tenant_at ON idp_audit_events ("tenantId", "at");
CREATE TABLE idp_failure_counters (
  "key" VARCHAR PRIMARY KEY,
  "windowStart" BIGINT NOT NULL,
  "count" INTEGER NOT NULL,
  "lockedUntil" BIGINT NOT NULL
)
`

export const identityMigrations: readonly Migration[] = [
  { id: '0100-identity-directory', sql: () => directory },
  { id: '0101-identity-tokens', sql: () => tokens },
]
